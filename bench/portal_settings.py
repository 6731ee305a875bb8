"""The portal's own settings for `make bench`, with one change: the bench signs 200
members in from one address in a few seconds, which allauth's sign-in limit per
address (30 a minute) would refuse. Nothing on the path of a cast differs."""

from __future__ import annotations

from coproduce.settings import *  # noqa: F403
from coproduce.settings import ACCOUNT_RATE_LIMITS

ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "100000/m/ip"}
