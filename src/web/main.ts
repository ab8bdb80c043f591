/** The ingress web panel: one custom element, `<sr-app>`, built by scripts/build-web.mjs. */
import './components/app.js';
