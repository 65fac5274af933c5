// Draws the lab's icon — the cube of the eight memory states of a 3-bit flip-flop, its
// corners in the page's state colours (Okabe–Ito) — and renders the PNGs the web app
// manifest names, in headless Chromium (playwright-core, as the E2E tests use it):
//
//   node scripts/icons.mjs      writes web/icons/icon.svg, icon-192.png, icon-512.png and
//                               icon-maskable-512.png (the cube inside the central 80 %
//                               safe zone, on a full-bleed background, for masked launchers)
//
// Deterministic: same geometry, same colours, same renderer flags give the same files.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../tests/e2e/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'web', 'icons');
const BG = '#1d3557';
// The page's state colours (view/cube.rs), white in place of black on the dark background.
const COLOURS = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#FFFFFF'];

/** The icon as SVG text on a 512 × 512 canvas; `maskable` fills the square and keeps the
 * cube within the central safe circle (radius 40 % of the size). */
export function iconSvg({ maskable = false } = {}) {
  const size = 512;
  const r = maskable ? 28 : 34; // corner dot radius, px
  // The cube (±1)³ turned 0.45 rad about the vertical and tilted 0.4 rad towards the viewer,
  // so no corner hides behind another; bit i of a corner's index is axis i.
  const corner = (k) => [0, 1, 2].map((i) => ((k >> i) & 1 ? 1 : -1));
  const [yaw, tilt] = [0.45, 0.4];
  const view = ([a, b, c]) => {
    const depth = a * Math.sin(yaw) + b * Math.cos(yaw);
    return [a * Math.cos(yaw) - b * Math.sin(yaw), -c * Math.cos(tilt) + depth * Math.sin(tilt)];
  };
  const raw = Array.from({ length: 8 }, (_, k) => view(corner(k)));
  // Fit: every dot within the central circle (maskable: the 40 % safe zone) or square.
  const reach = maskable
    ? Math.max(...raw.map(([x, y]) => Math.hypot(x, y)))
    : Math.max(...raw.map(([x, y]) => Math.max(Math.abs(x), Math.abs(y))));
  const limit = (maskable ? 0.4 * size : 0.43 * size) - r - 4;
  const project = ([x, y]) => [size / 2 + (x * limit) / reach, size / 2 + (y * limit) / reach];
  const pts = raw.map(project);
  const f = (x) => x.toFixed(1);
  const edges = [];
  for (let k = 0; k < 8; k++) {
    for (const bit of [1, 2, 4]) {
      if (!(k & bit)) {
        const [p, q] = [pts[k], pts[k | bit]];
        edges.push(`<line x1="${f(p[0])}" y1="${f(p[1])}" x2="${f(q[0])}" y2="${f(q[1])}"/>`);
      }
    }
  }
  const dots = pts.map(
    (p, k) => `<circle cx="${f(p[0])}" cy="${f(p[1])}" r="${r}" fill="${COLOURS[k]}"/>`,
  );
  const bg = maskable
    ? `<rect width="${size}" height="${size}" fill="${BG}"/>`
    : `<rect width="${size}" height="${size}" rx="96" fill="${BG}"/>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size}" height="${size}">`,
    `<title>Flip-Flop Lab</title>`,
    bg,
    `<g stroke="#a8b4c8" stroke-width="10" stroke-linecap="round">${edges.join('')}</g>`,
    `<g stroke="${BG}" stroke-width="6">${dots.join('')}</g>`,
    `</svg>`,
  ].join('\n') + '\n';
}

async function render(page, svg, px, file) {
  await page.setViewportSize({ width: px, height: px });
  const html = `<!doctype html><style>html,body{margin:0;background:transparent}img{display:block}</style>` +
    `<img width="${px}" height="${px}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}">`;
  await page.setContent(html);
  await page.waitForFunction(() => document.querySelector('img').complete);
  await page.screenshot({ path: path.join(OUT, file), omitBackground: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.mkdirSync(OUT, { recursive: true });
  const any = iconSvg();
  fs.writeFileSync(path.join(OUT, 'icon.svg'), any);
  const browser = await launch();
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    await render(page, any, 192, 'icon-192.png');
    await render(page, any, 512, 'icon-512.png');
    await render(page, iconSvg({ maskable: true }), 512, 'icon-maskable-512.png');
  } finally {
    await browser.close();
  }
  console.log(`icons written to ${path.relative(ROOT, OUT)}/`);
}
