-- A comment's commands run in order, and `done` counts the steps that have run (reading
-- the comment as a whole, then one per command), so a delivery retried after a failure
-- runs only the rest. `failures` counts failed tries of the next step; at the delivery's
-- attempt limit that step is given up and the reply says so. `leased_until` keeps two
-- deliveries of one comment from running its steps at once.
-- Rows from before were claimed whole before anything ran: they count as finished.
alter table comment_commands add column done integer not null default 2147483647;
alter table comment_commands alter column done set default 0;
alter table comment_commands add column failures integer not null default 0;
alter table comment_commands add column leased_until timestamptz;
