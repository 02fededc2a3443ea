-- Every heartbeat asks whether a block waits for its agent: one escalated to it, or one
-- of its reports' not yet escalated. Blocked items escalated to the humans can be many
-- (they wait on people), and without this index the question read the whole table
-- (3-8 ms a heartbeat at 10,000 items, issue 17). It holds only open blocked items, with
-- every column the question reads, in the order it asks them
-- (`openBlock` in src/store/heartbeat-runs.ts).
create index work_items_open_blocks on work_items (repository, escalated_to, owner_agent) where status = 'blocked' and state = 'open';
