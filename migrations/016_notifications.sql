-- Notifications outside GitHub (SPEC §15): a durable outbox. The place that records an
-- event (a status move, a budget pause, the breaker tripping) inserts one row keyed by
-- what happened, so the same event recorded twice (a redelivered webhook, two replicas)
-- is one row; a background loop on any replica fans it out to the configured channels
-- and sends each under a lease, so one process sends a row and a crash re-sends only
-- what was in flight.
create table notification_events (
  id bigserial primary key,
  event_key text not null unique,
  event text not null,
  repository text,
  -- What the message says: item number, title, kind, agent, spend, the model's error.
  payload jsonb not null default '{}',
  -- Which channels and events the repository asked for: {"channels":"all"|[...],"events":[...]}.
  selection jsonb not null,
  fanned_out_at timestamptz,
  created_at timestamptz not null default now()
);

create index notification_events_waiting on notification_events (id) where fanned_out_at is null;
create index notification_events_created on notification_events (created_at);

-- One row per event and channel: each channel retries on its own.
create table notification_sends (
  id bigserial primary key,
  event_id bigint not null references notification_events (id) on delete cascade,
  channel text not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  leased_until timestamptz,
  sent_at timestamptz,
  gave_up_at timestamptz,
  last_error text,
  unique (event_id, channel)
);

create index notification_sends_due on notification_sends (next_attempt_at) where sent_at is null and gave_up_at is null;

create trigger notification_sends_changed after insert or update of sent_at, gave_up_at, last_error on notification_sends
  for each statement execute function gaffer_notify_change();
