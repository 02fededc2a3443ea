-- Model-judged priority (SPEC §17). An item's text is judged at most once per change:
-- `content_hash` follows the title and body, `judged_hash` is the text the current
-- judgment (or the decision to keep the formula) was made for; they differ while a
-- judgment is due. `judging_until` is the lease of the replica asking, so a judgment
-- is asked once however many replicas run, and again only after a crash or a failed call.
alter table work_items
  add column content_hash text generated always as (md5(title || E'\n' || body)) stored,
  add column judged_hash text,
  add column judging_until timestamptz,
  add column model_adjustment integer check (model_adjustment between -300 and 300),
  add column model_why text;

-- Items mirrored before this migration were not created or edited under it: an upgrade
-- does not ask the model about the whole backlog at once.
update work_items set judged_hash = content_hash;

create index work_items_judgment_due on work_items (updated_at)
  where state = 'open' and judged_hash is distinct from content_hash;

-- The semantic cache: one row per judgment the model gave, found again by any of its
-- MinHash band keys (src/company/text-signature.ts) for 30 minutes, by every replica.
-- The band keys have a table of their own, a b-tree the lookup reads by equality (32 keys
-- at once), which stays fast whatever the planner knows of the table. Scoped to a
-- repository and a model: a judgment of one repository's text is never shown on another's item.
create table priority_cache (
  id          bigserial primary key,
  repository  text not null,
  model       text not null,
  words       text[] not null,
  guard       text[] not null,
  adjustment  integer not null check (adjustment between -300 and 300),
  why         text not null,
  created_at  timestamptz not null
);

create table priority_cache_bands (
  band        text not null,
  entry_id    bigint not null references priority_cache (id) on delete cascade,
  primary key (band, entry_id)
);
create index priority_cache_bands_entry on priority_cache_bands (entry_id);
