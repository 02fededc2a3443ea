-- One row per chat run on one item (SPEC §16): the model messages and tool calls the
-- run exchanged (bounded like a CLI transcript), with its tokens and cost, for the
-- dashboard's item page. Pruned with heartbeat runs.
create table chat_transcripts (
  id bigserial primary key,
  run_id bigint not null,
  repository text not null,
  number integer not null,
  agent text not null,
  model text not null,
  outcome text,
  turns integer not null default 0,
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  cost_usd numeric(12, 6) not null default 0,
  -- [{ role, content, toolCalls?, toolCallId?, tokens?, costUsd? }], newest kept when over the bound
  entries jsonb not null default '[]',
  dropped integer not null default 0,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);

create index chat_transcripts_item on chat_transcripts (repository, number, started_at desc);
create index chat_transcripts_run on chat_transcripts (run_id);
create index chat_transcripts_started on chat_transcripts (started_at) where finished_at is not null;
create index cli_transcripts_run on cli_transcripts (run_id);

-- Live dashboards: a change to what the dashboard shows is announced on one channel, so
-- every replica's writes reach every replica's open dashboards (docs/decisions.md). The
-- payload is only the table's name; notifications with the same payload in one
-- transaction are delivered once.
create function gaffer_notify_change() returns trigger language plpgsql as $$
begin
  perform pg_notify('gaffer_changes', tg_table_name);
  return null;
end;
$$;

create trigger work_items_changed after insert or update or delete on work_items for each statement execute function gaffer_notify_change();
create trigger agents_changed after insert or update or delete on agents for each statement execute function gaffer_notify_change();
create trigger heartbeat_runs_changed after insert or update or delete on heartbeat_runs for each statement execute function gaffer_notify_change();
create trigger audit_log_changed after insert on audit_log for each statement execute function gaffer_notify_change();
create trigger approvals_changed after insert on approvals for each statement execute function gaffer_notify_change();
create trigger quality_scores_changed after insert or update on quality_scores for each statement execute function gaffer_notify_change();
create trigger repositories_changed after insert or update on repositories for each statement execute function gaffer_notify_change();
create trigger model_breaker_changed after insert or update on model_breaker for each statement execute function gaffer_notify_change();
create trigger chat_transcripts_changed after insert or update on chat_transcripts for each statement execute function gaffer_notify_change();
create trigger cli_transcripts_changed after insert or update on cli_transcripts for each statement execute function gaffer_notify_change();
-- Deliveries change on every lease renewal; only one turning dead is news for a person.
create trigger webhook_deliveries_dead after update of dead_at on webhook_deliveries
  for each row when (new.dead_at is distinct from old.dead_at) execute function gaffer_notify_change();
