-- GitHub's global id of each item (the `node_id` every payload and read carries): a
-- status move names the item by it in its one GraphQL request (docs/decisions.md
-- "A status move is one request"). Null until the next payload or read of the item.
alter table work_items add column node_id text;
