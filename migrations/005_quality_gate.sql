-- The pull request gate, per repository: the reviewer score a head commit needs and
-- how many human approvals. NULL means the defaults (70 and 1).
alter table repositories add column quality_threshold integer check (quality_threshold between 0 and 100);
alter table repositories add column required_approvals integer check (required_approvals between 0 and 10);
create index quality_scores_pr on quality_scores (repository, pr_number, created_at);
