/**
 * The operator CLI's commands over the hub's GraphQL API, one file per command group; main.ts
 * parses the command line and calls them. `reencrypt` talks to the database instead and is
 * imported on its own (reencrypt.command.ts).
 */
export { connectorsCommand } from './connectors.command.js';
export type { Output } from './output.js';
export { changesCommand, decideCommand, fieldChanges, runsCommand } from './runs.command.js';
export { syncCommand } from './sync.command.js';
export { tokenCommand } from './token.command.js';
export { webhooksCommand } from './webhooks.command.js';
