/**
 * The todos every reference answers: the same three items, in Baton's `Todo` shape, so each
 * server serialises a body of the same size.
 */
export const SAMPLE_TODOS = [
  { title: 'Buy milk', done: false },
  { title: 'Write the benchmark', done: true },
  { title: 'Read RFC 9700', done: false },
].map((todo, index) => ({
  id: `00000000-0000-4000-8000-00000000000${index + 1}`,
  ...todo,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}));
