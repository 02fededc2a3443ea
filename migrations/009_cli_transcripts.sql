-- One row per CLI run on one item (SPEC §14): what the CLI printed (its last 1 MB),
-- how it ended and what it cost, for the dashboard and for anyone asking why.
create table cli_transcripts (
  id bigserial primary key,
  run_id bigint not null,
  repository text not null,
  number integer not null,
  agent text not null,
  runtime text not null,
  adapter text not null,
  sandboxed boolean not null default false,
  exit_code integer,
  killed text check (killed in ('timeout', 'aborted')),
  outcome text,
  input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  cost_usd numeric(12, 6) not null default 0,
  report text not null default '',
  transcript text not null default '',
  started_at timestamptz not null default now(),
  finished_at timestamptz
);

create index cli_transcripts_item on cli_transcripts (repository, number, started_at desc);
