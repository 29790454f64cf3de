import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, print, type DefinitionNode } from 'graphql';
import { chromium, type Page } from 'playwright-core';
import { EXPLORER_TABS } from '../../src/server/explorer/examples';
import { waitFor } from '../support/live';
import { startTestServer, type TestServer } from '../support/server';

/** Debian's Chromium, or whichever `chromium` is on the PATH; CI installs it (.ci/run). */
function findChromium(): string | null {
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

interface EditorState {
  value: string;
  /** The operation GraphiQL will run (query editor only). */
  operationName: string | null;
  /** How far the longest line reaches past the visible width, in px. */
  overflowPx: number;
}

/** The CodeMirror 5 editor inside `selector` (GraphiQL's editors), as the page has it now. */
const editor = (page: Page, selector: string): Promise<EditorState> =>
  page
    .locator(`${selector} .CodeMirror`)
    .first()
    .evaluate((el) => {
      const cm = (
        el as unknown as {
          CodeMirror: {
            getValue(): string;
            operationName?: string | null;
            getScrollInfo(): { width: number; clientWidth: number };
          };
        }
      ).CodeMirror;
      const info = cm.getScrollInfo();
      return {
        value: cm.getValue(),
        operationName: cm.operationName ?? null,
        overflowPx: Math.max(0, info.width - info.clientWidth),
      };
    });

/** The visible editor of the Variables / Headers pane (both editors live there, one hidden). */
const toolText = async (page: Page): Promise<string> =>
  (await editor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)')).value;

type Json = { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };

/** Opens tab `index` and waits until GraphiQL knows its operation (it reads the editor 100 ms after a change). */
async function openTab(page: Page, index: number, operation: string): Promise<void> {
  await page.locator('.graphiql-tab').nth(index).locator('button').first().click();
  const query = () => editor(page, '.graphiql-query-editor');
  await waitFor(async () => (await query()).operationName === operation, 5000, `tab ${index + 1}`);
  // Each tab's comment fits the query editor: nothing to scroll sideways at 1400 px.
  expect({ operation, overflowPx: (await query()).overflowPx }).toEqual({ operation, overflowPx: 0 });
}

/** Clicks the run button and waits for a new result holding `until` (or errors). */
async function run(page: Page, until: string): Promise<Json> {
  // A tab run again shows its last result until the new one arrives: wait for a different one.
  const result = async () => (await editor(page, '.result-window')).value;
  const before = await result();
  await page.locator('.graphiql-execute-button').click();
  await waitFor(
    async () => {
      const now = await result();
      return now !== before && (now.includes(until) || now.includes('"errors"'));
    },
    10_000,
    `a result with ${until}`,
  );
  return JSON.parse(await result()) as Json;
}

/** Opens example tab `index`, runs it, and returns its result, which must have no errors. */
async function runTab(page: Page, index: number, until: string): Promise<Json> {
  const operation = parse(EXPLORER_TABS[index]!.query).definitions.find(
    (d) => d.kind === 'OperationDefinition',
  )!.name!.value;
  await openTab(page, index, operation);
  const json = await run(page, until);
  expect({ operation, errors: json.errors }).toEqual({ operation, errors: undefined });
  return json;
}

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});
const base = () => s.url.replace(/\/graphql$/, '');

describe('the explorer’s routes', () => {
  it('/ sends a browser to /graphql; /favicon.ico is an icon; API clients of /graphql are unchanged', async () => {
    const root = await fetch(`${base()}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/graphql');
    const icon = await fetch(`${base()}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await icon.text()).toContain('<svg');

    const page = await fetch(s.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const get = await fetch(`${s.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    const post = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/html, application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await post.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('the explorer in a real browser (headless Chromium)', () => {
  it('each example tab is the client contract’s operation, comments aside', () => {
    const contractDir = join(__dirname, '../shared/contract');
    const contract = new Map<string, string>();
    for (const file of readdirSync(contractDir).filter((f) => f.endsWith('.graphql'))) {
      for (const def of parse(readFileSync(join(contractDir, file), 'utf8')).definitions) {
        if ('name' in def && def.name) contract.set(def.name.value, print(def));
      }
    }
    for (const tab of EXPLORER_TABS) {
      for (const def of parse(tab.query).definitions as DefinitionNode[]) {
        const name = 'name' in def && def.name ? def.name.value : '(anonymous)';
        expect({ name, text: print(def) }).toEqual({ name, text: contract.get(name) });
      }
    }
  });

  it('lands from / on /graphql, runs the examples in order with the token carried along, no errors', async () => {
    const executablePath = findChromium();
    if (!executablePath) {
      throw new Error('Chromium is missing: apt-get install chromium (this test drives it headless)');
    }
    // Screenshots of the landing view and the last tab: kept in EXPLORER_SCREENSHOTS when it
    // names a folder (to look at them), else taken into a temporary folder and removed.
    const keep = process.env.EXPLORER_SCREENSHOTS;
    const shots = keep ?? mkdtempSync(join(tmpdir(), 'explorer-screenshots-'));
    mkdirSync(shots, { recursive: true });
    const browser = await chromium.launch({ executablePath });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      // A missing element fails within the test's time, leaving room to close everything.
      page.setDefaultTimeout(8000);
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
      });

      const introspected = page.waitForResponse((r) =>
        (r.request().postData() ?? '').includes('IntrospectionQuery'),
      );
      await page.goto(`${base()}/`);
      expect(page.url()).toBe(s.url);
      await page
        .locator('.graphiql-tab')
        .nth(EXPLORER_TABS.length - 1)
        .waitFor();
      expect(await page.locator('.graphiql-tab').count()).toBe(EXPLORER_TABS.length);
      // The schema loads with the headers the page opens with (no placeholder token).
      expect((await introspected).status()).toBe(200);
      expect(await toolText(page)).toContain('"{{$randomEmail}}"');
      const landing = join(shots, '1-landing.png');
      await page.screenshot({ path: landing });

      // Out of order, a tab says what it misses.
      await openTab(page, 2, 'AcceptOffer');
      expect((await run(page, 'errors')).errors).toEqual([
        {
          message:
            '{{applicationId}} has no value yet: run the tab that returns it first ' +
            '(the comment at the top of this tab says which).',
        },
      ]);

      // Signing up twice works (a new email each run); the header holds the latest token.
      const first = (await runTab(page, 0, '"signUp"')).data!.signUp!.accessToken as string;
      const token = (await runTab(page, 0, '"signUp"')).data!.signUp!.accessToken as string;
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(token).not.toBe(first);
      await page.getByRole('button', { name: 'Headers' }).click();
      expect(JSON.parse(await toolText(page))).toEqual({ Authorization: `Bearer ${token}` });

      const application = (await runTab(page, 1, '"submitApplication"')).data!.submitApplication!
        .application as { id: string; status: string };
      expect(application.status).toBe('APPROVED');
      // The token followed into the second tab's headers.
      expect(JSON.parse(await toolText(page))).toEqual({ Authorization: `Bearer ${token}` });

      const accepted = (await runTab(page, 2, '"acceptOffer"')).data!.acceptOffer as {
        application: { id: string; status: string };
        account: { id: string; status: string; cards: { id: string; status: string }[] };
      };
      expect(accepted.application).toEqual({ id: application.id, status: 'ACCEPTED' });
      expect(accepted.account.status).toBe('ACTIVE');
      expect(accepted.account.cards).toHaveLength(1);

      // Two runs, two purchases: each run has its own idempotency key.
      const purchases = [];
      for (const _run of [1, 2]) {
        const purchase = (await runTab(page, 3, '"authorizeCardTransaction"')).data!
          .authorizeCardTransaction as {
          transaction: { id: string; status: string; amount: { amount: string } };
          account: { id: string; availableCredit: { amount: string } };
        };
        expect(purchase.transaction).toMatchObject({ status: 'APPROVED', amount: { amount: '42.50' } });
        expect(purchase.account.id).toBe(accepted.account.id);
        purchases.push(purchase);
      }
      expect(purchases[1]!.transaction.id).not.toBe(purchases[0]!.transaction.id);
      expect(purchases[1]!.account.availableCredit.amount).toBe('1915.00');

      // The subscription (signed in through connection_init) replays up to the last purchase.
      const event = (await runTab(page, 4, '"PURCHASE_APPROVED"')).data!.notificationReceived as {
        cursor: string;
        notification: { kind: string; body: string };
      };
      expect(event.notification).toMatchObject({
        kind: 'PURCHASE_APPROVED',
        body: expect.stringContaining('Corner Cafe'),
      });
      expect(Number(event.cursor)).toBeGreaterThan(1);
      const last = join(shots, '2-after-last-tab.png');
      await page.screenshot({ path: last });

      // A tab opened with + starts on a short Me query, signed in as well.
      await page.locator('.graphiql-execute-button').click(); // stops the subscription
      await page.getByRole('button', { name: 'Add tab' }).click();
      await openTab(page, EXPLORER_TABS.length, 'Me');
      expect(JSON.parse(await toolText(page))).toEqual({ Authorization: `Bearer ${token}` });
      expect((await run(page, '"me"')).data!.me).toMatchObject({ email: expect.stringMatching(/^partner-/) });

      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      if (!keep) rmSync(shots, { recursive: true, force: true });
    }
  });
});
