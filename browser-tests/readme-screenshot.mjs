// The README's picture: a timeline zoomed to its failure, the cursor set.
//   lab --raft bug:commit-old-term replay TestFigure83C --seed 0x32 --html f8.html
//   node readme-screenshot.mjs f8.html ../docs/timeline.png
import { launch, open } from './browser.mjs';
const [file, out] = process.argv.slice(2);
const b = await launch();
const { page, errors } = await open(b.context, file);
await page.setViewportSize({ width: 1200, height: 760 });
await page.waitForTimeout(100);
await page.click('#zoom-failure');
await page.waitForTimeout(100);
const box = await page.locator('#chart').boundingBox();
await page.mouse.click(box.x + box.width * 0.62, box.y + 300);
await page.waitForTimeout(100);
await page.mouse.move(5, 5); // no tooltip in the picture
await page.screenshot({ path: out, fullPage: true });
console.log(errors);
await b.close();
