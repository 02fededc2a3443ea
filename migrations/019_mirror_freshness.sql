-- When GitHub last confirmed an item's row: a webhook whose labels and state the mirror
-- took, or a fresh read (the reconcile's, a heartbeat's, a create response). A heartbeat
-- trusts a row confirmed within a lease instead of reading the item again (issue 17);
-- `updated_at` cannot say this, since Gaffer's own writes set it too. Null: never confirmed
-- since this column exists, so the first heartbeat reads it as before.
alter table work_items add column github_confirmed_at timestamptz;

-- The heartbeat asks whether a later change to a ready item waits unprocessed, dead
-- deliveries included; the pending index leaves the dead out, so without this one that
-- question would read every delivery kept (14 days of them).
create index webhook_deliveries_unprocessed on webhook_deliveries (received_at) where processed_at is null;
