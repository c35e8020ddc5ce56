// A child of the host for a moment at start-up (see accept-slots.ts). It receives the listening socket once
// and sends it back `count` times: each copy arrives in the host as a descriptor of its own onto the same
// socket, which Node 20 offers no other way to make. It ends when the host disconnects (after the last copy
// arrived). It runs no host code and gets an empty environment.
const count = Number(process.argv[2]);

process.once('disconnect', () => process.exit(0));
process.once('message', (_message: unknown, handle: unknown) => {
  if (process.send === undefined || handle === undefined || !Number.isInteger(count) || count < 1) process.exit(1);
  // Node queues a handle behind the previous one until the host acknowledges it, so these go out in order.
  for (let copy = 1; copy <= count; copy += 1) process.send({ copy }, handle as never, { keepOpen: true });
});
