import type { ExplorerTab } from './examples';

/**
 * The script that starts GraphiQL in the browser (plain JavaScript, run as is: it is
 * served, not compiled). Besides rendering GraphiQL with the example tabs, it wraps the
 * fetcher so that:
 *  - `{{$randomUUID}}` / `{{$randomEmail}}` in Variables become fresh values on each run
 *    (idempotency keys and sign-up emails never repeat), and `{{name}}` becomes a value an
 *    earlier result held: `<field>Id` for every object with an id (`applicationId`,
 *    `accountId`; for a list, its first item: `cards` gives `cardId`), and `refreshToken`;
 *  - the access token of a `signIn` / `signUp` / `refreshToken` result goes into the
 *    Headers editor as `Authorization: Bearer …`, in whichever tab is open (GraphiQL keeps
 *    headers per tab), so HTTP requests and the subscription's `connection_init` carry it.
 * `storageNamespace` keeps GraphiQL's saved tabs apart per version of the examples, so a
 * returning browser sees the current ones.
 */
export function bootScript(tabs: readonly ExplorerTab[], storageNamespace: string): string {
  return `const EXAMPLE_TABS = ${JSON.stringify(tabs)};
const STORAGE_NAMESPACE = ${JSON.stringify(storageNamespace)};
${BOOT}`;
}

const BOOT = String.raw`(() => {
  const h = React.createElement;
  const { useEffect, useState } = React;
  const url = location.origin + '/graphql';
  const baseFetcher = GraphiQL.createFetcher({ url, subscriptionUrl: url.replace(/^http/, 'ws') });

  // Values earlier results held, for {{name}} in Variables; the latest access token.
  const remembered = {};
  let token = null;
  const tokenListeners = new Set();

  // crypto.randomUUID needs a secure context, which plain http on a LAN address is not.
  function uuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const x = Array.from(b, (n) => n.toString(16).padStart(2, '0')).join('');
    return [x.slice(0, 8), x.slice(8, 12), x.slice(12, 16), x.slice(16, 20), x.slice(20)].join('-');
  }
  const FRESH = {
    $randomUUID: uuid,
    $randomEmail: () => 'partner-' + uuid().slice(0, 8) + '@example.com',
  };

  function fill(value) {
    if (typeof value === 'string') {
      return value.replace(/\{\{\s*(\$?\w+)\s*\}\}/g, (_, name) => {
        if (Object.hasOwn(FRESH, name)) return FRESH[name]();
        if (Object.hasOwn(remembered, name)) return remembered[name];
        throw new Error('{{' + name + '}} has no value yet: run the tab that returns it first ' +
          '(the comment at the top of this tab says which).');
      });
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    }
    return value;
  }

  function rememberIds(node) {
    if (Array.isArray(node)) return node.forEach(rememberIds);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const one = Array.isArray(value) ? value[0] : value;
      const name = Array.isArray(value) ? key.replace(/s$/, '') : key;
      if (one && typeof one.id === 'string') remembered[name + 'Id'] = one.id;
      rememberIds(value);
    }
  }

  function saw(result) {
    const data = result && result.data;
    if (!data || typeof data !== 'object') return;
    for (const field of ['signIn', 'signUp', 'refreshToken']) {
      const payload = data[field];
      if (payload && typeof payload.refreshToken === 'string') remembered.refreshToken = payload.refreshToken;
      if (payload && typeof payload.accessToken === 'string') {
        token = payload.accessToken;
        tokenListeners.forEach((listener) => listener(token));
      }
    }
    rememberIds(data);
  }

  // Subscriptions and HTTP results arrive as async iterables: look at each result as it passes.
  function watched(iterable) {
    const it = iterable[Symbol.asyncIterator]();
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next: () =>
        it.next().then((step) => {
          if (!step.done) saw(step.value);
          return step;
        }),
      return: (value) => (it.return ? it.return(value) : Promise.resolve({ done: true, value })),
    };
  }

  function fetcher(params, opts) {
    let variables = params.variables;
    try {
      if (variables) variables = fill(variables);
    } catch (e) {
      return Promise.resolve({ errors: [{ message: e.message }] });
    }
    return baseFetcher({ ...params, variables }, opts).then((value) => {
      if (value && typeof value === 'object' && Symbol.asyncIterator in value) return watched(value);
      saw(value);
      return value;
    });
  }

  // Writes the latest token into the Headers editor of the open tab, again whenever another
  // tab opens. Headers that are not a JSON object (someone is typing) are left alone.
  function useTokenIntoHeaders(editors) {
    const [current, setCurrent] = useState(token);
    useEffect(() => {
      tokenListeners.add(setCurrent);
      return () => tokenListeners.delete(setCurrent);
    }, []);
    const editor = editors.headerEditor;
    useEffect(() => {
      if (!editor || !current) return;
      let headers;
      try {
        headers = JSON.parse(editor.getValue().trim() || '{}');
      } catch {
        return;
      }
      if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return;
      const bearer = 'Bearer ' + current;
      if (headers.Authorization === bearer) return;
      delete headers.authorization;
      headers.Authorization = bearer;
      const text = JSON.stringify(headers, null, 2);
      editor.setValue(text);
      // Into the tab's state at once too (GraphiQL stores edits 500 ms later): clicking the
      // open tab again reloads its stored headers.
      editors.updateActiveTabValues({ headers: text });
    }, [editor, editors.activeTabIndex, current]);
  }

  // GraphiQL 3.9 opens the first of defaultTabs with its query but an empty Variables editor.
  function useFirstTabVariables(editors) {
    const editor = editors.variableEditor;
    useEffect(() => {
      const tab = editors.tabs[editors.activeTabIndex];
      if (editor && !editor.getValue() && tab && tab.variables) editor.setValue(tab.variables);
    }, [editor]);
  }

  // Rendered in the toolbar, so inside GraphiQL's editor context.
  function ExplorerHelpers() {
    const editors = GraphiQL.React.useEditorContext({ nonNull: true });
    useTokenIntoHeaders(editors);
    useFirstTabVariables(editors);
    return null;
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    h(GraphiQL, {
      fetcher,
      defaultTabs: EXAMPLE_TABS,
      defaultHeaders: '{}',
      // A tab opened with + starts here (GraphiQL's own welcome text is too wide).
      defaultQuery: '# A new tab: the token is in Headers.\nquery Me {\n  me { id email name roles createdAt }\n}\n',
      defaultEditorToolsVisibility: 'variables',
      storage: GraphiQL.createLocalStorage({ namespace: STORAGE_NAMESPACE }),
      toolbar: { additionalComponent: ExplorerHelpers },
    }),
  );
})();
`;
