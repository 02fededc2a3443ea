-- A replay is decided by what GitHub signs: the body. The delivery id header is not
-- signed, so a captured body resent under a new id must hit the same key. Earlier
-- copies of one body (replays already stored under other ids) are folded into the
-- oldest row before the key is made unique.
delete from webhook_deliveries d
using webhook_deliveries older
where older.payload_sha256 = d.payload_sha256
  and (older.received_at, older.delivery_id) < (d.received_at, d.delivery_id);
alter table webhook_deliveries drop constraint webhook_deliveries_pkey;
alter table webhook_deliveries add primary key (payload_sha256);
create index webhook_deliveries_id on webhook_deliveries (delivery_id);

-- A delivery that failed every attempt: kept with its error, never retried by the
-- sweep, revived by GitHub's "Redeliver" or `gaffer deliveries retry <id>`.
alter table webhook_deliveries add column dead_at timestamptz;
drop index webhook_deliveries_pending;
create index webhook_deliveries_pending on webhook_deliveries (received_at) where processed_at is null and dead_at is null;
create index webhook_deliveries_received on webhook_deliveries (received_at);

-- A comment's commands run at most once, whichever delivery (or replica) carries it:
-- the row is written before the first command runs.
create table comment_commands (
  repository  text not null,
  comment_id  bigint not null,
  at          timestamptz not null default now(),
  primary key (repository, comment_id)
);

-- Replies to one person, counted per repository and minute, shared by every replica.
create table reply_counts (
  repository  text not null,
  login       text not null,
  minute      timestamptz not null,
  replies     integer not null,
  primary key (repository, login, minute)
);

create index heartbeat_runs_started on heartbeat_runs (started_at);
create index audit_log_at on audit_log (at);
