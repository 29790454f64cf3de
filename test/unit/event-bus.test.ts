import { createMemoryBus } from '../../src/subscriptions/common/pubsub';

describe('the in-process event bus', () => {
  it('publishes a batch in order and says how many went out', async () => {
    const bus = createMemoryBus();
    const got: string[] = [];
    await bus.subscribe('a', (m) => got.push(`a:${m}`));
    await bus.subscribe('b', (m) => got.push(`b:${m}`));
    const sent = await bus.publishAll([
      { channel: 'a', message: '1' },
      { channel: 'b', message: '2' },
      { channel: 'a', message: '3' },
    ]);
    expect(sent).toBe(3);
    expect(got).toEqual(['a:1', 'b:2', 'a:3']);
  });

  it('stops at a message whose delivery fails, counting the ones before it, and never rejects', async () => {
    const bus = createMemoryBus();
    const got: string[] = [];
    await bus.subscribe('ok', (m) => got.push(m));
    await bus.subscribe('broken', () => {
      throw new Error('handler failed');
    });
    const sent = await bus.publishAll([
      { channel: 'ok', message: '1' },
      { channel: 'broken', message: '2' },
      { channel: 'ok', message: '3' },
    ]);
    expect(sent).toBe(1);
    expect(got).toEqual(['1']);
  });
});
