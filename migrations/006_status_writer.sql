-- The status writer: when the mirror's status last moved, so a payload GitHub built
-- before that move (a late event) cannot heal the mirror back to the old status.
alter table work_items add column status_changed_at timestamptz;
