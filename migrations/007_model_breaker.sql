-- The global model breaker: one row every replica reads, so a model server that fails
-- for everyone pauses model work everywhere and one probe (not one per replica) resumes it.
create table model_breaker (
  id boolean primary key default true check (id),
  state text not null default 'closed' check (state in ('closed', 'open')),
  consecutive_failures integer not null default 0,
  since timestamptz,
  last_error text,
  next_probe_at timestamptz,
  updated_at timestamptz not null default now()
);
insert into model_breaker default values;
