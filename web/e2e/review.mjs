// End-to-end walk through parley's review app in real headless Chromium, as a QA reviewer would:
// sign in, the list worst first, a call without a start time found by its recording's time, filter the
// calls list, open a call, click an evidence link (the player must play from 2 s before its moment),
// its summary, find in the call, play from a timeline mark, walk the list with the keyboard, record an override and
// see the score change on the call page, the list and the agent's page, the agent's coaching plan
// marked discussed, calibration, search the coach library, check every control is named and reachable,
// and as an ops user the staffing page. A screenshot per flow goes to $SHOTS.
//
// Run by cmd/parley's TestReviewAppInBrowser, which starts `parley serve` on a loopback port and passes
// BASE_URL, USER_NAME, USER_PASSWORD, FILTER_INTENT, SEARCH, RECORDED_DAY, RECORDED_CALL, OPS_NAME,
// OPS_PASSWORD and SHOTS. Exits non-zero on the first failure.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import path from "node:path";

const base = process.env.BASE_URL;
const shots = process.env.SHOTS;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const step = (msg) => console.log("e2e: " + msg);

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  // An anonymous visit ends on the sign-in page.
  await page.goto(base + "/calls");
  assert.match(new URL(page.url()).pathname, /^\/login/);
  await page.fill("input[name=name]", process.env.USER_NAME);
  await page.fill("input[name=password]", "wrong password!");
  await page.click("button[type=submit]");
  assert.equal(await page.locator("p.error").textContent(), "Wrong name or password.");
  await page.fill("input[name=password]", process.env.USER_PASSWORD);
  await Promise.all([page.waitForURL(/\/calls/), page.click("button[type=submit]")]);
  errors.length = 0; // the refused password above was logged as a failed request, as it should be
  step("signed in");

  // The calls list opens worst first for a QA reviewer, and says so.
  const all = await page.locator("#calls tbody tr").count();
  assert.ok(all >= 3, `list shows ${all} calls`);
  assert.match(await page.locator("#order").textContent(), /^Worst first/);
  const scores = (await page.locator("#calls tbody tr td b[class^=band]").allTextContents()).map(parseFloat);
  assert.ok(scores.length >= 2 && scores.every((v, i) => i === 0 || scores[i - 1] <= v), `worst first: ${scores}`);
  step(`worst first: ${scores.join(", ")}`);
  await page.screenshot({ path: path.join(shots, "calls.png"), fullPage: true });

  // A call whose metadata has no start time is found under a date filter by its recording's time, marked.
  await page.fill("input[name=from]", process.env.RECORDED_DAY);
  await page.fill("input[name=to]", process.env.RECORDED_DAY);
  await Promise.all([page.waitForURL(/from=/), page.click("#filters button[type=submit]")]);
  const dated = await page.locator("#calls tbody tr").allTextContents();
  assert.equal(dated.length, 1, `${process.env.RECORDED_DAY}: ${dated.length} calls`);
  assert.ok(dated[0].includes(process.env.RECORDED_CALL) && dated[0].includes("recorded"), `dated by its recording: ${dated[0]}`);
  step(`${process.env.RECORDED_DAY}: ${process.env.RECORDED_CALL}, by its recording's time`);
  await page.screenshot({ path: path.join(shots, "date-filter.png"), fullPage: true });
  await page.goto(base + "/calls");

  // A filter.
  await page.selectOption("select[name=intent]", process.env.FILTER_INTENT);
  await Promise.all([page.waitForURL(/intent=/), page.click("#filters button[type=submit]")]);
  const filtered = await page.locator("#calls tbody tr").count();
  assert.ok(filtered >= 1 && filtered < all, `filter on ${process.env.FILTER_INTENT}: ${filtered} of ${all}`);
  const intents = await page.locator("#calls tbody tr td.intent").allTextContents();
  for (const t of intents) assert.equal(t.trim(), process.env.FILTER_INTENT.replaceAll("_", " "));
  step(`filtered ${all} → ${filtered} calls`);
  const csv = await page.locator("#csv").getAttribute("href");
  assert.match(csv, /intent=/, "the CSV link keeps the filter");

  // A call: the recording loads, an evidence link plays from 2 s before its moment, the turn lights up.
  await Promise.all([page.waitForURL(/\/calls\/[0-9a-f]+\?in=/), page.locator("#calls tbody tr a").first().click()]);
  await page.waitForFunction(() => document.getElementById("player").readyState >= 1 && document.getElementById("player").duration > 0, null, { timeout: 15000 });
  const duration = await page.evaluate(() => document.getElementById("player").duration);
  assert.ok(duration > 5, `player duration ${duration}`);
  const seeks = (await page.locator("a.evidence").evaluateAll((as) => as.map((a) => parseFloat(a.dataset.seek))));
  const pick = seeks.findIndex((t) => t > 1);
  assert.ok(pick >= 0, `an evidence link past the first second (${seeks})`);
  const ev = page.locator("a.evidence").nth(pick);
  const target = seeks[pick];
  await page.evaluate(() => {
    const p = document.getElementById("player");
    p.addEventListener("seeked", () => { window.seekedTo = p.currentTime; }, { once: true });
  });
  await ev.click();
  await page.waitForFunction(() => window.seekedTo !== undefined, null, { timeout: 5000 });
  const from = await page.evaluate(() => window.seekedTo);
  assert.ok(Math.abs(from - Math.max(0, target - 2)) < 0.3, `evidence at ${target} s played from ${from} s, want 2 s before`);
  await page.waitForFunction((t) => { const p = document.getElementById("player"); return !p.paused && p.currentTime >= t; }, target, { timeout: 8000 });
  await page.evaluate(() => document.getElementById("player").pause());
  const current = await page.locator("#turns .turn.current").count();
  assert.equal(current, 1, "the turn at the evidence is highlighted");
  step(`evidence at ${target} s played from ${from.toFixed(2)} s`);
  // Clicking a turn seeks too.
  const turn = page.locator("#turns .turn").nth(1);
  const turnStart = parseFloat(await turn.getAttribute("data-start"));
  await turn.click();
  await page.waitForFunction((t) => Math.abs(document.getElementById("player").currentTime - t) < 0.5, turnStart, { timeout: 5000 });
  // The call's summary: its lines say why the customer called and how they ended, each plays from its turn.
  const sumLines = page.locator("#call-summary li");
  assert.ok((await sumLines.count()) >= 2, "the call has a summary");
  assert.match(await sumLines.first().textContent(), /Called about|Customer:/);
  const sumLink = sumLines.last().locator("a");
  const sumT = parseFloat(await sumLink.getAttribute("data-seek"));
  await sumLink.click();
  await page.waitForFunction((t) => Math.abs(document.getElementById("player").currentTime - t) < 0.5, sumT, { timeout: 5000 });
  step(`summary: ${await sumLines.count()} lines, the last plays from ${sumT} s`);
  // Find in this call: the turns that say it are marked; Enter goes to the first and seeks there.
  await page.fill("#find", "account");
  const nFound = await page.locator("#turns .turn.found").count();
  assert.ok(nFound >= 1, "find marks the turns that say it");
  assert.match(await page.locator("#found").textContent(), new RegExp("^" + nFound + " turn"));
  await page.press("#find", "Enter");
  const firstFound = parseFloat(await page.locator("#turns .turn.found").first().getAttribute("data-start"));
  await page.waitForFunction((t) => Math.abs(document.getElementById("player").currentTime - t) < 0.5, firstFound, { timeout: 5000 });
  await page.fill("#find", "");
  step(`find "account": ${nFound} turns, Enter went to ${firstFound} s`);
  // A mark on the timeline plays from its moment.
  const mark = page.locator("svg.timeline rect.mark").nth(2);
  const markT = parseFloat(await mark.getAttribute("data-seek"));
  await mark.click({ force: true });
  await page.waitForFunction((t) => { const p = document.getElementById("player"); return !p.paused && p.currentTime >= t - 0.3 && p.currentTime < t + 3; }, markT, { timeout: 5000 });
  await page.evaluate(() => document.getElementById("player").pause());
  step(`timeline mark at ${markT} s plays from there`);
  await page.screenshot({ path: path.join(shots, "call.png"), fullPage: true });

  // The keyboard, on a call opened from a filtered list: j goes to the first scorecard item, n to the
  // next call of that list (in its order), p back.
  await page.goto(base + "/calls?team=billing&sort=call&dir=asc");
  const walkNames = (await page.locator("#calls tbody tr a[href*=\"?in=\"]").allTextContents()).map((t) => t.trim());
  assert.ok(walkNames.length >= 2 && walkNames.length < all, `team billing: ${walkNames}`);
  await Promise.all([page.waitForURL(/\/calls\/[0-9a-f]+\?in=/), page.locator("#calls tbody tr a").first().click()]);
  await page.locator("h1").click();
  await page.keyboard.press("j");
  assert.equal(await page.evaluate(() => document.activeElement.id), await page.locator("li.item").first().getAttribute("id"));
  const here = page.url().split("#")[0];
  const place = (await page.locator(".listnav span").textContent()).trim();
  assert.equal(place, `1 of ${walkNames.length} in the list`);
  {
    await Promise.all([page.waitForURL((u) => u.toString().split("#")[0] !== here), page.keyboard.press("n")]);
    const there = (await page.locator(".listnav span").textContent()).trim();
    assert.equal(there, `2 of ${walkNames.length} in the list`, "n opened the next call of the list");
    assert.equal((await page.locator("h1").textContent()).trim(), "Call " + walkNames[1], "the next call is the list's second");
    await Promise.all([page.waitForURL((u) => u.toString().split("#")[0] === here), page.keyboard.press("p")]);
    step(`keys in team billing by call: ${place} → ${there} (${walkNames[1]}) → back`);
  }

  await page.screenshot({ path: path.join(shots, "list-walk.png"), fullPage: true });

  // An override with a comment: stored with who and when, shown beside the automatic result, and the
  // score it makes counts on the call page, in the list and on the agent's page.
  const callID = new URL(page.url()).pathname.split("/").pop();
  const callName = (await page.locator("h1").textContent()).replace(/^Call /, "").trim();
  const listScore = async () => {
    await page.goto(base + "/calls?team=billing&sort=call&dir=asc");
    const row = page.locator("#calls tbody tr", { has: page.locator(`a[href^="/calls/${callID}?"]`) });
    return (await row.locator("td b[class^=band]").textContent()).trim();
  };
  const agentAvg = async () => {
    await page.goto(base + "/calls/" + callID);
    await Promise.all([page.waitForURL(/\/agents\//), page.locator(".facts a[href^='/agents/']").click()]);
    return (await page.locator("#agent-avg").textContent()).trim();
  };
  const before = { call: (await page.locator("#glance-score").textContent()).trim(), list: await listScore(), agent: await agentAvg() };
  await page.goto(base + "/calls/" + callID + "?in=" + encodeURIComponent("team=billing&sort=call&dir=asc"));
  const item = page.locator("li.item").first();
  const itemID = (await item.getAttribute("id")).replace(/^item-/, "");
  const auto = (await item.locator(".st").first().textContent()).trim();
  const verdict = auto === "pass" ? "fail" : "pass";
  await item.locator("details.override summary").click();
  await item.locator("select[name=status]").selectOption(verdict);
  await item.locator("input[name=comment]").fill("reviewer heard it differently <b>really</b>");
  await Promise.all([page.waitForURL(new RegExp("#item-" + itemID)), item.locator("form button[type=submit]").click()]);
  const reviewed = page.locator(`#item-${itemID} .st.reviewed`);
  assert.match((await reviewed.textContent()).trim(), new RegExp("^" + verdict + " · " + process.env.USER_NAME + "$"));
  const hist = await page.locator(`#item-${itemID} details.history`).textContent();
  assert.ok(hist.includes("reviewer heard it differently <b>really</b>"), "the comment is shown as text");
  const after = { call: (await page.locator("#glance-score").textContent()).trim() };
  await page.screenshot({ path: path.join(shots, "override.png"), fullPage: true });
  after.list = await listScore();
  await page.screenshot({ path: path.join(shots, "override-list.png"), fullPage: true });
  after.agent = await agentAvg();
  assert.ok((await page.locator("#agent-items tbody tr").count()) > 0, "agent page lists item pass rates");
  await page.screenshot({ path: path.join(shots, "agent.png"), fullPage: true });
  assert.equal(after.list, after.call, "the list shows the call page's score");
  for (const where of ["call", "list", "agent"]) assert.notEqual(after[where], before[where], `the override changed the score on the ${where} page`);
  step(`override ${itemID} of ${callName}: auto ${auto} → ${verdict}; score ${before.call} → ${after.call} (list ${before.list} → ${after.list}, agent average ${before.agent} → ${after.agent})`);

  // The agent's coaching plan: the items furthest behind the team, each with a peer's passing call;
  // marked discussed, the page shows the pass rate before and since.
  const planItems = await page.locator("li.planitem").count();
  assert.ok(planItems >= 1, "the agent page has a coaching plan");
  await page.fill("#coaching input[name=note]", "open with the company name");
  await Promise.all([page.waitForURL(/#progress$/), page.click("#mark-discussed")]);
  const progress = await page.locator("#progress-table tbody tr").count();
  assert.equal(progress, planItems, "every discussed item has its progress row");
  step(`coaching plan: ${planItems} items, marked discussed`);
  await page.screenshot({ path: path.join(shots, "coaching.png"), fullPage: true });

  // Calibration counts the override.
  await page.goto(base + "/calibration");
  assert.ok(await page.locator(`#calibration a[href$="#item-${itemID}"]`).count() > 0, "calibration lists the overridden item, linked to its call");
  await page.locator("#reviewers a").first().click();
  assert.ok((await page.locator("#calibration tbody tr").count()) >= 1, "one reviewer's calibration");
  await page.screenshot({ path: path.join(shots, "calibration.png"), fullPage: true });

  // The coach library: full-text search with highlighted snippets that link to the moment.
  await page.goto(base + "/library");
  await page.fill("input[name=q]", process.env.SEARCH);
  await Promise.all([page.waitForURL(/q=/), page.click("#search button[type=submit]")]);
  const hits = page.locator("#hits li a.hit");
  const nhits = await hits.count();
  assert.ok(nhits >= 1, "search finds the phrase");
  const marked = await page.locator("#hits mark").first().textContent();
  assert.ok(process.env.SEARCH.toLowerCase().includes(marked.toLowerCase().replace(/[^a-z]/g, "").slice(0, 4)), `highlight ${marked}`);
  await page.screenshot({ path: path.join(shots, "library.png"), fullPage: true });
  await Promise.all([page.waitForURL(/#t=/), hits.first().click()]);
  const hitT = parseFloat(new URL(page.url()).hash.replace("#t=", ""));
  await page.waitForFunction((t) => Math.abs(document.getElementById("player").currentTime - t) < 0.5, hitT, { timeout: 5000 });
  step(`search "${process.env.SEARCH}": ${nhits} hits; the first opens its call at ${hitT} s`);

  // Accessibility of the main pages: every control has a name a screen reader reads (its label,
  // aria-label, title or text) and none is taken out of the keyboard's reach.
  const callPath = new URL(page.url()).pathname; // the call the search hit opened
  for (const where of ["/calls", callPath, "/agents/a17", "/library", "/calibration", "/collections", "/account"]) {
    await page.goto(base + where);
    const bad = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, audio[controls], summary")) {
        const name = (el.getAttribute("aria-label") || el.getAttribute("title") || (el.labels && el.labels.length ? el.labels[0].textContent : "") ||
          (el.tagName === "AUDIO" ? "" : el.textContent) || "").trim();
        const unnamed = el.tagName === "AUDIO" ? !el.getAttribute("aria-label") : name === "";
        if (unnamed || el.tabIndex < 0) out.push(el.outerHTML.slice(0, 120));
      }
      return out;
    });
    assert.deepEqual(bad, [], `controls without a name or out of the keyboard's reach on ${where}`);
  }
  step("accessibility: every control named and reachable on 7 pages");

  // Ops: the staffing page (four calls are too little history to forecast, and it says so).
  await page.goto(base + "/calls");
  await Promise.all([page.waitForURL(/\/login/), page.click("form[action=\"/logout\"] button")]);
  await page.fill("input[name=name]", process.env.OPS_NAME);
  await page.fill("input[name=password]", process.env.OPS_PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit]")]);
  await page.goto(base + "/ops");
  await Promise.all([page.waitForURL(/\/ops\/staffing/), page.click("#staffing-link")]);
  assert.match(await page.locator("#staffing-problem").textContent(), /^Not enough history/);
  await page.screenshot({ path: path.join(shots, "staffing.png"), fullPage: true });
  step("ops: staffing says there is too little history");

  assert.deepEqual(errors, [], "no script errors");
  step("done");
} finally {
  await browser.close();
}
