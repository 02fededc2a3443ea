-- Per-repository settings (SPEC §15): the last valid `.github/gaffer.yml` (with the org
-- default it extends) as resolved, so a replica that starts while the file is invalid
-- still has the last valid settings, and the file's problems for the state API, shown
-- like an invalid roster. quality_threshold and required_approvals (migration 005) are
-- written from the same settings, so the quality SQL reads them where they are.
alter table repositories add column settings jsonb;
alter table repositories add column settings_source text not null default 'environment'
  check (settings_source in ('environment', 'repository'));
alter table repositories add column settings_error text;
