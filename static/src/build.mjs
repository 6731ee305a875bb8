// Build the front end into static/dist/ (git-ignored): `npm run build`.
//
// - coproduce.css: static/src/coproduce.scss compiled with the NHS.UK
//   frontend's Sass sources, compressed, no source map, no outside font.
// - assets/: the images the CSS refers to (relative URLs "assets/images/...").
// - nhsuk-frontend.min.js (+ its source map, which Django's manifest storage
//   expects to find) and coproduce.js, which starts it. Progressive
//   enhancement only: every page works without JavaScript.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const source = join(root, "static", "src");
const output = join(root, "static", "dist");
const nhsuk = join(root, "node_modules", "nhsuk-frontend", "dist", "nhsuk");

rmSync(output, { recursive: true, force: true });
mkdirSync(output, { recursive: true });

const result = sass.compile(join(source, "coproduce.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  sourceMap: false,
  // The frontend's own deprecations are its business, not ours to fix.
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin"],
});
writeFileSync(join(output, "coproduce.css"), result.css + "\n");

cpSync(join(nhsuk, "assets", "images"), join(output, "assets", "images"), { recursive: true });
for (const name of ["nhsuk-frontend.min.js", "nhsuk-frontend.min.js.map"]) {
  cpSync(join(nhsuk, name), join(output, name));
}
for (const name of ["coproduce.js", "favicon.svg"]) {
  cpSync(join(source, name), join(output, name));
}

console.log(`Built ${output}`);
