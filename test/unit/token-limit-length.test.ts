import { loadConfig } from '../../src/config';
import { createQueryLimits } from '../../src/server/limits';

/**
 * Issue 10, item 3: HTTP and WebSocket count the tokens of a document only when it is longer
 * than the token limit. That skips nothing: a token is at least one character (comments and
 * whitespace are no tokens), so a document of at most N characters has at most N tokens.
 */
const N = 20;
const limits = createQueryLimits({ ...loadConfig({ NODE_ENV: 'test' }).limits, maxTokens: N });
const refused = (query: string) => limits.checkTokens(query) !== null;

describe('the token limit against the document length', () => {
  it('the densest documents (a punctuator a character) are refused only past the limit', () => {
    for (const unit of ['{', '}', '(', ')', '[', ']', '!', '$', ':', '=', '@', '|', '&']) {
      expect(refused(unit.repeat(N))).toBe(false);
      expect(refused(unit.repeat(N + 1))).toBe(true);
    }
  });

  it('no document of at most N characters is refused', () => {
    const alphabet = ['{', '}', 'a', 'b', '1', ' ', ',', '"', '#', '.', '$', '\n', '-', 'é', '𝔸'];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) {
      let doc = '';
      while (doc.length < N) doc += alphabet[Math.floor(random() * alphabet.length)];
      doc = doc.slice(0, N - Math.floor(random() * 3));
      expect([doc, refused(doc)]).toEqual([doc, false]);
    }
  });
});
