-- Every heartbeat asks whether a block waits for its agent: one escalated to it, or one
-- of its reports' not yet escalated. Blocked items escalated to the humans can be many
-- (they wait on people), and the planner, expecting to find a match early, read the whole
-- table for a manager that had none (8 ms at 10,000 items, issue 17). This index holds
-- only open blocked items, with every column the question reads, so both halves of it
-- are an index-only lookup.
create index work_items_open_blocks on work_items (repository, escalated_to, owner_agent) where status = 'blocked' and state = 'open';
