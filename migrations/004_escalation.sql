-- Escalation: when an item was handed to its current escalation target, so an
-- escalation left unhandled can move up by itself.
alter table work_items add column escalated_at timestamptz;
create index work_items_escalations on work_items (repository, escalated_to) where status = 'blocked';
