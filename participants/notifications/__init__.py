"""Notifications: what people are told, on a page in the portal and by email.

`models` holds the rows; `services` writes them (`notify`), sends them, and
handles preferences and one-click unsubscribing. Other apps call
`participants.notifications.services.notify`; people do not know projects, so
callers pass the words and the link.
"""
