/**
 * The dashboard page's entry: bundled by esbuild (see ../bundle-options.ts) with Preact, uPlot
 * and the style sheets into /assets/dashboard.js and /assets/dashboard.css.
 */
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { render } from "preact";
import { App } from "./app.js";

const root = document.getElementById("app");
if (root !== null) {
  root.replaceChildren();
  render(<App />, root);
}
