-- Feature tables: the academy's AI mentor (ai_mentor_chats and the courses, module topics and prompt
-- variants it references), the student "guru" agents and the employee "twin". The specifications' org_id is
-- our account (FK accounts); their user_profiles is our users table.
-- Interaction rows are written by the server (functions mentor, guru, twin and llm-proxy with
-- x-feature), in the same ledger statement as the call's llm_requests row, linked by llm_request_id;
-- their user may only change the feedback columns. Per-account configuration: mentor_settings,
-- ai_prompt_variants, guru_agents, twin_roles, twin_interaction_types.

-- ---------------------------------------------------------------------------------------------------
-- courses, module_topics, ai_prompt_variants (referenced by ai_mentor_chats; account content managed
-- by members with manage_instances)
-- ---------------------------------------------------------------------------------------------------
create table public.courses (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  title text not null check (length(btrim(title)) > 0),
  description text,
  status text not null default 'draft' check (status in ('draft', 'published', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint courses_id_account_key unique (id, account_id)
);
create index idx_courses_account on public.courses (account_id, created_at desc);
create trigger courses_set_updated_at before update on public.courses
  for each row execute function private.set_updated_at();

comment on table public.courses is 'Academy courses of an account (referenced by ai_mentor_chats.course_id).';
comment on column public.courses.status is 'Publication status: draft|published|archived.';

create table public.module_topics (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  course_id uuid not null,
  title text not null check (length(btrim(title)) > 0),
  position integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint module_topics_course_fkey foreign key (course_id, account_id)
    references public.courses (id, account_id) on delete cascade
);
create index idx_module_topics_course on public.module_topics (course_id, account_id, position);
create index idx_module_topics_account on public.module_topics (account_id);
create trigger module_topics_set_updated_at before update on public.module_topics
  for each row execute function private.set_updated_at();

comment on table public.module_topics is 'Course topics (module topics) of a course (referenced by ai_mentor_chats.topic_id).';
comment on column public.module_topics.account_id is 'Owning account (the course''s account).';
comment on column public.module_topics.course_id is 'Course the topic belongs to.';
comment on column public.module_topics.position is 'Order within the course.';

create table public.ai_prompt_variants (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  name text not null,
  system_prompt text not null,
  weight integer not null default 1 check (weight >= 0),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ai_prompt_variants_account_name_key unique (account_id, name)
);
create trigger ai_prompt_variants_set_updated_at before update on public.ai_prompt_variants
  for each row execute function private.set_updated_at();

comment on table public.ai_prompt_variants is 'A/B testing prompt variants for the AI mentor (referenced by ai_mentor_chats.prompt_variant_id).';
comment on column public.ai_prompt_variants.name is 'Variant name, unique per account.';
comment on column public.ai_prompt_variants.system_prompt is 'The prompt this variant uses.';
comment on column public.ai_prompt_variants.weight is 'Relative share of traffic in the A/B test.';
comment on column public.ai_prompt_variants.is_active is 'Whether the variant is served.';

-- ---------------------------------------------------------------------------------------------------
-- ai_mentor_chats (the AI Mentor specification) + account_id
-- ---------------------------------------------------------------------------------------------------
create table public.ai_mentor_chats (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  topic_id uuid references public.module_topics (id) on delete set null,
  course_id uuid references public.courses (id) on delete set null,
  question text not null,
  response text not null,
  conversation_context jsonb default '[]'::jsonb,
  tokens_used integer not null default 0,
  response_time_ms integer not null default 0,
  model text not null default 'gpt-4o-mini'::text,
  cost_usd numeric default 0,
  student_rating integer check (student_rating between 1 and 5),
  student_feedback text,
  flagged_for_review boolean default false,
  escalated_to_trainer boolean default false,
  escalation_reason text,
  created_at timestamptz default now(),
  rated_at timestamptz,
  escalated_at timestamptz,
  prompt_variant_id uuid references public.ai_prompt_variants (id) on delete set null,
  question_hash text,
  account_id uuid not null references public.accounts (id) on delete cascade,
  conversation_id text,
  llm_request_id uuid,
  resolution text,
  resolved_by uuid references public.users (id) on delete set null,
  resolved_at timestamptz
);
create index idx_ai_mentor_chats_user_id on public.ai_mentor_chats (user_id);
create index idx_ai_mentor_chats_topic_id on public.ai_mentor_chats (topic_id);
create index idx_ai_mentor_chats_course_id on public.ai_mentor_chats (course_id);
create index idx_ai_mentor_chats_created_at on public.ai_mentor_chats (created_at desc);
create index idx_ai_mentor_chats_flagged on public.ai_mentor_chats (flagged_for_review) where flagged_for_review = true;
create index idx_ai_mentor_chats_escalated on public.ai_mentor_chats (escalated_to_trainer) where escalated_to_trainer = true;
create index idx_mentor_chats_prompt_variant on public.ai_mentor_chats (prompt_variant_id);
create index idx_mentor_chats_question_hash on public.ai_mentor_chats (question_hash);
create index idx_ai_mentor_chats_account_created on public.ai_mentor_chats (account_id, created_at desc);
create index idx_ai_mentor_chats_conversation on public.ai_mentor_chats (user_id, conversation_id, created_at desc)
  where conversation_id is not null;
create index idx_ai_mentor_chats_llm_request on public.ai_mentor_chats (llm_request_id);
create index idx_ai_mentor_chats_resolved_by on public.ai_mentor_chats (resolved_by);

comment on table public.ai_mentor_chats is 'Core table for AI Mentor interactions in the Academy module, tracking questions, responses, ratings, and escalations. Written by the server; the student updates only the rating/feedback/escalation-request columns.';
comment on column public.ai_mentor_chats.user_id is 'Student who asked the question.';
comment on column public.ai_mentor_chats.question is 'Student''s question to the AI Mentor.';
comment on column public.ai_mentor_chats.response is 'AI Mentor''s response.';
comment on column public.ai_mentor_chats.conversation_context is 'Previous messages for multi-turn conversations.';
comment on column public.ai_mentor_chats.response_time_ms is 'Time taken to generate response in milliseconds.';
comment on column public.ai_mentor_chats.model is 'AI model used for the response.';
comment on column public.ai_mentor_chats.cost_usd is 'Cost in USD for this interaction: the llm_requests row''s computed_cost exactly; null when the call could not be priced.';
comment on column public.ai_mentor_chats.student_rating is 'Student rating, 1-5 (thumbs down = 1, thumbs up = 5).';
comment on column public.ai_mentor_chats.flagged_for_review is 'Whether this chat needs human review.';
comment on column public.ai_mentor_chats.escalated_to_trainer is 'Whether this was escalated to a human trainer.';
comment on column public.ai_mentor_chats.created_at is 'Timestamp when the chat occurred.';
comment on column public.ai_mentor_chats.rated_at is 'Timestamp when student provided rating: stamped by the database (trigger) whenever student_rating changes; clients cannot write it.';
comment on column public.ai_mentor_chats.escalated_at is 'Timestamp when chat was escalated (database time, set by escalate_mentor_chat).';
comment on column public.ai_mentor_chats.prompt_variant_id is 'A/B testing variant used for this response.';
comment on column public.ai_mentor_chats.question_hash is 'Hash of question for pattern detection: sha256 hex of the question lower-cased, punctuation removed, whitespace collapsed.';
comment on column public.ai_mentor_chats.account_id is 'Account (academy) the chat belongs to (tenant; not in the AI Mentor specification).';
comment on column public.ai_mentor_chats.conversation_id is 'Groups the turns of one conversation of the student; earlier turns are the context of the next (not in the specification).';
comment on column public.ai_mentor_chats.llm_request_id is 'The llm_requests row of the call that produced the answer (same ledger statement); model, tokens, cost and latency are copied from it (not in the specification).';
comment on column public.ai_mentor_chats.resolution is 'What the reviewer did about a flagged or escalated chat (resolve_mentor_chat; not in the specification).';
comment on column public.ai_mentor_chats.resolved_by is 'Reviewer who resolved the chat (not in the specification).';
comment on column public.ai_mentor_chats.resolved_at is 'When the chat was resolved, database time (not in the specification).';

-- ---------------------------------------------------------------------------------------------------
-- guru_interactions (the Guru specification)
-- ---------------------------------------------------------------------------------------------------
create table public.guru_interactions (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.accounts (id) on delete cascade,
  student_id uuid not null references public.users (id) on delete cascade,
  agent_type text not null check (agent_type ~ '^[a-z][a-z0-9_]*$'),
  conversation_id text,
  input jsonb not null,
  output jsonb not null,
  was_helpful boolean,
  user_feedback text,
  model_used text not null,
  tokens_used integer not null default 0,
  cost_usd numeric default 0,
  latency_ms integer not null default 0,
  created_at timestamptz not null default now(),
  llm_request_id uuid
);
create index idx_guru_interactions_student on public.guru_interactions (student_id, created_at desc);
create index idx_guru_interactions_agent_type on public.guru_interactions (agent_type, created_at desc);
create index idx_guru_interactions_conversation on public.guru_interactions (conversation_id) where conversation_id is not null;
create index idx_guru_interactions_org on public.guru_interactions (org_id, created_at desc);
create index idx_guru_interactions_llm_request on public.guru_interactions (llm_request_id);

comment on table public.guru_interactions is 'Tracks interactions with AI Guru agents that provide domain-specific guidance to students. Written by the server; the student updates only was_helpful and user_feedback.';
comment on column public.guru_interactions.org_id is 'Organization context (the account).';
comment on column public.guru_interactions.student_id is 'Student interacting with the Guru.';
comment on column public.guru_interactions.agent_type is 'Type of Guru agent (e.g. career_guru, tech_guru): lower-case snake_case.';
comment on column public.guru_interactions.conversation_id is 'Session/conversation identifier for grouping.';
comment on column public.guru_interactions.input is 'Student''s input/question as structured data.';
comment on column public.guru_interactions.output is 'Guru''s response as structured data.';
comment on column public.guru_interactions.was_helpful is 'Student feedback on helpfulness.';
comment on column public.guru_interactions.user_feedback is 'Optional student feedback text.';
comment on column public.guru_interactions.model_used is 'AI model used for the response.';
comment on column public.guru_interactions.tokens_used is 'Tokens consumed in this interaction.';
comment on column public.guru_interactions.cost_usd is 'Cost in USD for this interaction: the llm_requests row''s computed_cost exactly; null when the call could not be priced (the specification has NOT NULL: an unknown cost is not 0).';
comment on column public.guru_interactions.llm_request_id is 'The llm_requests row of the call (same ledger statement; not in the specification).';
comment on column public.guru_interactions.latency_ms is 'Response time in milliseconds.';
comment on column public.guru_interactions.created_at is 'Timestamp when interaction occurred.';

-- ---------------------------------------------------------------------------------------------------
-- employee_twin_interactions (the Employee Twin specification); cost_usd numeric where it has double precision
-- ---------------------------------------------------------------------------------------------------
create table public.employee_twin_interactions (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.accounts (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  twin_role text not null,
  interaction_type text not null,
  prompt text,
  response text not null,
  context jsonb default '{}'::jsonb,
  model_used text default 'gpt-4o-mini'::text,
  tokens_used integer,
  cost_usd numeric,
  latency_ms integer,
  was_helpful boolean,
  user_feedback text,
  dismissed boolean default false,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  llm_request_id uuid
);
create index idx_employee_twin_interactions_user on public.employee_twin_interactions (user_id, created_at desc);
create index idx_employee_twin_interactions_type on public.employee_twin_interactions (interaction_type);
create index idx_employee_twin_interactions_role on public.employee_twin_interactions (twin_role);
create index idx_employee_twin_interactions_org on public.employee_twin_interactions (org_id, created_at desc);
create index idx_employee_twin_interactions_llm_request on public.employee_twin_interactions (llm_request_id);
create trigger employee_twin_interactions_set_updated_at before update on public.employee_twin_interactions
  for each row execute function private.set_updated_at();

comment on table public.employee_twin_interactions is 'AI Twin interactions with employee records. Written by the server; the employee updates only was_helpful, user_feedback and dismissed.';
comment on column public.employee_twin_interactions.org_id is 'Organization identifier (the account).';
comment on column public.employee_twin_interactions.user_id is 'User profile reference.';
comment on column public.employee_twin_interactions.cost_usd is 'USD (numeric; the Employee Twin specification has double precision).';
comment on column public.employee_twin_interactions.llm_request_id is 'The llm_requests row of the call (same ledger statement; not in the specification).';
-- ---------------------------------------------------------------------------------------------------
-- Feature configuration per account (all optional: without it the functions use built-in prompts
-- and AI_FEATURES_DEFAULT_MODEL, so the features work on a fresh project)
-- ---------------------------------------------------------------------------------------------------
create table public.mentor_settings (
  account_id uuid primary key references public.accounts (id) on delete cascade,
  system_prompt text,
  model text,
  context_tokens integer check (context_tokens > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger mentor_settings_set_updated_at before update on public.mentor_settings
  for each row execute function private.set_updated_at();
comment on table public.mentor_settings is 'The AI mentor of an account: its default prompt (used when no ai_prompt_variants row is active) and model.';
comment on column public.mentor_settings.account_id is 'Account (one row per account).';
comment on column public.mentor_settings.system_prompt is 'Default mentor prompt; null: the built-in one.';
comment on column public.mentor_settings.model is 'Model (as llm-proxy routes it); null: AI_FEATURES_DEFAULT_MODEL.';
comment on column public.mentor_settings.context_tokens is 'Token budget of the earlier turns sent as context; null: AI_FEATURES_CONTEXT_TOKENS (2000).';
create table public.guru_agents (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  agent_type text not null check (agent_type ~ '^[a-z][a-z0-9_]{0,62}$'),
  system_prompt text not null,
  model text,
  input_schema jsonb not null default '{"type": "object"}'::jsonb check (jsonb_typeof(input_schema) = 'object'),
  output_schema jsonb not null check (jsonb_typeof(output_schema) = 'object'),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint guru_agents_account_type_key unique (account_id, agent_type)
);
create trigger guru_agents_set_updated_at before update on public.guru_agents
  for each row execute function private.set_updated_at();
comment on table public.guru_agents is 'Guru types of an account (POST /guru/{agent_type}). An account without any row gets a built-in guru for every agent_type; once it has rows, only its active types are served.';
comment on column public.guru_agents.agent_type is 'The guru''s type, e.g. career_guru (guru_interactions.agent_type).';
comment on column public.guru_agents.system_prompt is 'Instructions of the guru.';
comment on column public.guru_agents.model is 'Model (as llm-proxy routes it); null: AI_FEATURES_DEFAULT_MODEL.';
comment on column public.guru_agents.input_schema is 'JSON Schema the request''s input must satisfy (400 otherwise).';
comment on column public.guru_agents.output_schema is 'JSON Schema of the answer: sent as response_format json_schema and checked; a reply that fails it is an error (502, still logged).';
comment on column public.guru_agents.is_active is 'Whether the type is served.';
create table public.twin_roles (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  twin_role text not null check (twin_role ~ '^[a-z][a-z0-9_]{0,62}$'),
  system_prompt text not null,
  model text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint twin_roles_account_role_key unique (account_id, twin_role)
);
create trigger twin_roles_set_updated_at before update on public.twin_roles
  for each row execute function private.set_updated_at();
comment on table public.twin_roles is 'AI twin roles of an account. Without any row every role is served with a built-in prompt; with rows, only these.';
comment on column public.twin_roles.twin_role is 'Role the twin plays (employee_twin_interactions.twin_role), e.g. sales_manager.';
comment on column public.twin_roles.system_prompt is 'Instructions of the twin in this role.';
comment on column public.twin_roles.model is 'Model (as llm-proxy routes it); null: AI_FEATURES_DEFAULT_MODEL.';
create table public.twin_interaction_types (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  interaction_type text not null check (interaction_type ~ '^[a-z][a-z0-9_]{0,62}$'),
  instructions text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint twin_interaction_types_account_type_key unique (account_id, interaction_type)
);
create trigger twin_interaction_types_set_updated_at before update on public.twin_interaction_types
  for each row execute function private.set_updated_at();
comment on table public.twin_interaction_types is 'AI twin interaction types of an account (e.g. suggestion, reminder). Without any row every type is served; with rows, only these.';
comment on column public.twin_interaction_types.interaction_type is 'employee_twin_interactions.interaction_type this configures.';
comment on column public.twin_interaction_types.instructions is 'Added to the role''s prompt for this kind of interaction.';

-- ---------------------------------------------------------------------------------------------------
-- RLS and grants
-- ---------------------------------------------------------------------------------------------------
alter table public.courses enable row level security;
alter table public.module_topics enable row level security;
alter table public.ai_prompt_variants enable row level security;
alter table public.ai_mentor_chats enable row level security;
alter table public.guru_interactions enable row level security;
alter table public.employee_twin_interactions enable row level security;
alter table public.mentor_settings enable row level security;
alter table public.guru_agents enable row level security;
alter table public.twin_roles enable row level security;
alter table public.twin_interaction_types enable row level security;

revoke all on public.courses, public.module_topics, public.ai_prompt_variants, public.ai_mentor_chats,
  public.guru_interactions, public.employee_twin_interactions, public.mentor_settings, public.guru_agents,
  public.twin_roles, public.twin_interaction_types from anon, authenticated;
grant all on public.courses, public.module_topics, public.ai_prompt_variants, public.ai_mentor_chats,
  public.guru_interactions, public.employee_twin_interactions, public.mentor_settings, public.guru_agents,
  public.twin_roles, public.twin_interaction_types to service_role;

-- Academy content and feature configuration: members read; manage_instances manages.
grant select, insert, update, delete on public.courses, public.module_topics, public.ai_prompt_variants,
  public.mentor_settings, public.guru_agents, public.twin_roles, public.twin_interaction_types to authenticated;

create index idx_ai_prompt_variants_account on public.ai_prompt_variants (account_id, is_active);
create index idx_guru_agents_account on public.guru_agents (account_id);
create index idx_twin_roles_account on public.twin_roles (account_id);
create index idx_twin_interaction_types_account on public.twin_interaction_types (account_id);

create policy "courses: members read" on public.courses for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "courses: instance managers add" on public.courses for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "courses: instance managers change" on public.courses for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "courses: instance managers remove" on public.courses for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

create policy "module_topics: members read" on public.module_topics for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "module_topics: instance managers add" on public.module_topics for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "module_topics: instance managers change" on public.module_topics for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "module_topics: instance managers remove" on public.module_topics for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

create policy "ai_prompt_variants: members read" on public.ai_prompt_variants for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "ai_prompt_variants: instance managers add" on public.ai_prompt_variants for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "ai_prompt_variants: instance managers change" on public.ai_prompt_variants for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "ai_prompt_variants: instance managers remove" on public.ai_prompt_variants for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

create policy "mentor_settings: members read" on public.mentor_settings for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "mentor_settings: instance managers add" on public.mentor_settings for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "mentor_settings: instance managers change" on public.mentor_settings for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "mentor_settings: instance managers remove" on public.mentor_settings for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

create policy "guru_agents: members read" on public.guru_agents for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "guru_agents: instance managers add" on public.guru_agents for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "guru_agents: instance managers change" on public.guru_agents for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "guru_agents: instance managers remove" on public.guru_agents for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

create policy "twin_roles: members read" on public.twin_roles for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "twin_roles: instance managers add" on public.twin_roles for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "twin_roles: instance managers change" on public.twin_roles for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "twin_roles: instance managers remove" on public.twin_roles for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

create policy "twin_interaction_types: members read" on public.twin_interaction_types for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "twin_interaction_types: instance managers add" on public.twin_interaction_types for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "twin_interaction_types: instance managers change" on public.twin_interaction_types for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "twin_interaction_types: instance managers remove" on public.twin_interaction_types for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

-- Interaction logs: view_history reads the account's rows, a user reads their own; the user updates
-- only the feedback columns of their own rows (column grants + the policies below).
grant select on public.ai_mentor_chats, public.guru_interactions, public.employee_twin_interactions to authenticated;
-- rated_at is stamped by a trigger, escalation goes through escalate_mentor_chat: neither is granted,
-- so a client that sends them gets 42501 (permission denied) and nothing changes.
grant update (student_rating, student_feedback) on public.ai_mentor_chats to authenticated;
grant update (was_helpful, user_feedback) on public.guru_interactions to authenticated;
grant update (was_helpful, user_feedback, dismissed) on public.employee_twin_interactions to authenticated;

create policy "ai_mentor_chats: history readers and the student read" on public.ai_mentor_chats for select to authenticated
  using (
    account_id in (select private.accounts_with_permission('view_history'))
    or (user_id = (select auth.uid()) and account_id in (select private.member_accounts()))
  );
create policy "ai_mentor_chats: reviewers read flagged and escalated chats" on public.ai_mentor_chats
  for select to authenticated
  using (
    account_id in (select private.accounts_with_permission('review_ai_chats'))
    and (flagged_for_review or escalated_to_trainer)
  );
create policy "ai_mentor_chats: the student gives feedback" on public.ai_mentor_chats for update to authenticated
  using (user_id = (select auth.uid()) and account_id in (select private.member_accounts()))
  with check (user_id = (select auth.uid()) and account_id in (select private.member_accounts()));

create policy "guru_interactions: history readers and the student read" on public.guru_interactions for select to authenticated
  using (
    org_id in (select private.accounts_with_permission('view_history'))
    or (student_id = (select auth.uid()) and org_id in (select private.member_accounts()))
  );
create policy "guru_interactions: the student gives feedback" on public.guru_interactions for update to authenticated
  using (student_id = (select auth.uid()) and org_id in (select private.member_accounts()))
  with check (student_id = (select auth.uid()) and org_id in (select private.member_accounts()));

create policy "employee_twin_interactions: history readers and the user read" on public.employee_twin_interactions
  for select to authenticated
  using (
    org_id in (select private.accounts_with_permission('view_history'))
    or (user_id = (select auth.uid()) and org_id in (select private.member_accounts()))
  );
create policy "employee_twin_interactions: the user gives feedback" on public.employee_twin_interactions
  for update to authenticated
  using (user_id = (select auth.uid()) and org_id in (select private.member_accounts()))
  with check (user_id = (select auth.uid()) and org_id in (select private.member_accounts()));

-- ---------------------------------------------------------------------------------------------------
-- Mentor ratings: the database stamps rated_at, and a low rating (<= 2) flags the chat for review
-- ---------------------------------------------------------------------------------------------------
create function private.mentor_chat_rated() returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  if new.student_rating is distinct from old.student_rating then
    new.rated_at := case when new.student_rating is null then null else now() end;
    if new.student_rating <= 2 then
      new.flagged_for_review := true;
    end if;
  end if;
  return new;
end
$$;
comment on function private.mentor_chat_rated() is 'Trigger: stamps rated_at (database time) when student_rating changes and flags ratings of 2 or less for review.';
revoke execute on function private.mentor_chat_rated() from public, anon, authenticated;
create trigger ai_mentor_chats_rated before update of student_rating on public.ai_mentor_chats
  for each row execute function private.mentor_chat_rated();

-- ---------------------------------------------------------------------------------------------------
-- Escalation to a trainer, and its resolution by a reviewer (review_ai_chats)
-- ---------------------------------------------------------------------------------------------------
create function private.escalate_mentor_chat(chat_id uuid, reason text)
  returns public.ai_mentor_chats
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  result public.ai_mentor_chats;
begin
  if caller is null then
    raise exception 'sign in to escalate a chat' using errcode = '42501';
  end if;
  if reason is null or length(btrim(reason)) = 0 then
    raise exception 'say why the chat is escalated (reason)' using errcode = '22023';
  end if;
  if length(reason) > 2000 then
    raise exception 'the reason is limited to 2000 characters' using errcode = '22001';
  end if;
  update public.ai_mentor_chats c
     set escalated_to_trainer = true, escalation_reason = escalate_mentor_chat.reason, escalated_at = now(),
         flagged_for_review = true
   where c.id = escalate_mentor_chat.chat_id and c.user_id = caller
     and c.account_id in (select private.member_accounts())
     and c.escalated_to_trainer is not true
  returning * into result;
  if result.id is null then
    -- Already escalated (returned unchanged, no second notification), or not the caller's chat.
    select * into result from public.ai_mentor_chats c
     where c.id = escalate_mentor_chat.chat_id and c.user_id = caller
       and c.account_id in (select private.member_accounts());
    if result.id is null then
      raise exception 'no such chat of yours' using errcode = 'P0002';
    end if;
    return result;
  end if;
  -- The payload carries ids only (pg_notify's limit is 8000 bytes; listeners read the row).
  perform pg_notify('ai_mentor_escalations', json_build_object(
    'chat_id', result.id, 'account_id', result.account_id, 'user_id', result.user_id,
    'course_id', result.course_id, 'topic_id', result.topic_id, 'escalated_at', result.escalated_at)::text);
  return result;
end
$$;
comment on function private.escalate_mentor_chat(uuid, text) is 'Implementation of public.escalate_mentor_chat.';

create function public.escalate_mentor_chat(chat_id uuid, reason text)
  returns public.ai_mentor_chats
  language sql
  security invoker
  set search_path = ''
as $$
  select * from private.escalate_mentor_chat(chat_id, reason)
$$;
comment on function public.escalate_mentor_chat(uuid, text) is 'The student escalates one of their mentor chats to a human trainer: sets escalated_to_trainer, escalation_reason, escalated_at (database time) and flagged_for_review, and sends NOTIFY ai_mentor_escalations with {chat_id, account_id, user_id, course_id, topic_id, escalated_at}. Escalating again changes nothing.';

create function private.resolve_mentor_chat(chat_id uuid, resolution text)
  returns public.ai_mentor_chats
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  result public.ai_mentor_chats;
begin
  if caller is null then
    raise exception 'sign in to resolve a chat' using errcode = '42501';
  end if;
  if resolution is null or length(btrim(resolution)) = 0 then
    raise exception 'say how the chat was resolved (resolution)' using errcode = '22023';
  end if;
  if length(resolution) > 4000 then
    raise exception 'the resolution is limited to 4000 characters' using errcode = '22001';
  end if;
  update public.ai_mentor_chats c
     set resolution = resolve_mentor_chat.resolution, resolved_by = caller, resolved_at = now()
   where c.id = resolve_mentor_chat.chat_id
     and c.account_id in (select private.accounts_with_permission('review_ai_chats'))
     and (c.flagged_for_review or c.escalated_to_trainer)
  returning * into result;
  if result.id is null then
    raise exception 'no flagged or escalated chat with this id in an account where you review chats'
      using errcode = 'P0002';
  end if;
  return result;
end
$$;
comment on function private.resolve_mentor_chat(uuid, text) is 'Implementation of public.resolve_mentor_chat.';

create function public.resolve_mentor_chat(chat_id uuid, resolution text)
  returns public.ai_mentor_chats
  language sql
  security invoker
  set search_path = ''
as $$
  select * from private.resolve_mentor_chat(chat_id, resolution)
$$;
comment on function public.resolve_mentor_chat(uuid, text) is 'A reviewer (review_ai_chats: owners and trainers) resolves a flagged or escalated mentor chat of their account: stores the resolution, resolved_by and resolved_at (database time); it leaves mentor_review_queue.';

revoke execute on function private.escalate_mentor_chat(uuid, text), public.escalate_mentor_chat(uuid, text),
  private.resolve_mentor_chat(uuid, text), public.resolve_mentor_chat(uuid, text) from public, anon;
grant execute on function private.escalate_mentor_chat(uuid, text), public.escalate_mentor_chat(uuid, text),
  private.resolve_mentor_chat(uuid, text), public.resolve_mentor_chat(uuid, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- Views (security_invoker: each reader sees the aggregates of the rows RLS lets them read)
-- ---------------------------------------------------------------------------------------------------
create view public.mentor_repeated_questions with (security_invoker = true) as
  select account_id, course_id, topic_id, question_hash,
         count(*)::integer as times_asked,
         count(distinct user_id)::integer as students,
         (array_agg(question order by created_at desc))[1] as latest_question,
         min(created_at) as first_asked_at,
         max(created_at) as last_asked_at
    from public.ai_mentor_chats
   where question_hash is not null
   group by account_id, course_id, topic_id, question_hash;
comment on view public.mentor_repeated_questions is 'Questions asked more than once, per course and topic: same question_hash = same normalised question. Order by times_asked desc for the most repeated.';

create view public.mentor_variant_stats with (security_invoker = true) as
  select c.account_id, c.prompt_variant_id, v.name as variant_name,
         count(*)::integer as chats,
         round(avg(c.student_rating), 2) as avg_rating,
         round(count(c.student_rating)::numeric / count(*), 4) as rated_share,
         round(count(*) filter (where c.student_rating >= 4)::numeric / nullif(count(c.student_rating), 0), 4)
           as helpful_share,
         round(count(*) filter (where c.escalated_to_trainer)::numeric / count(*), 4) as escalation_rate,
         sum(c.cost_usd) as total_cost_usd,
         count(*) filter (where c.cost_usd is null)::integer as unpriced_chats,
         percentile_cont(0.5) within group (order by c.response_time_ms) as p50_latency_ms,
         percentile_cont(0.95) within group (order by c.response_time_ms) as p95_latency_ms
    from public.ai_mentor_chats c
    left join public.ai_prompt_variants v on v.id = c.prompt_variant_id
   group by c.account_id, c.prompt_variant_id, v.name;
comment on view public.mentor_variant_stats is 'A/B results per prompt variant (null: the default prompt): chats, average rating, share rated, helpful share (rating >= 4 among rated), escalation rate, cost (known costs summed; unpriced_chats counts the rest), p50/p95 latency.';

create view public.mentor_review_queue with (security_invoker = true) as
  select id, account_id, user_id, course_id, topic_id, question, response, student_rating, student_feedback,
         flagged_for_review, escalated_to_trainer, escalation_reason, escalated_at, rated_at, created_at,
         llm_request_id
    from public.ai_mentor_chats
   where (flagged_for_review or escalated_to_trainer) and resolved_at is null;
comment on view public.mentor_review_queue is 'Flagged (low rating) and escalated mentor chats not yet resolved. Reviewers (review_ai_chats) see their accounts'' queue; a student only their own chats.';

create view public.guru_effectiveness with (security_invoker = true) as
  select org_id, agent_type,
         count(*)::integer as interactions,
         count(was_helpful)::integer as rated,
         round(count(*) filter (where was_helpful)::numeric / nullif(count(was_helpful), 0), 4) as helpful_share,
         sum(cost_usd) as total_cost_usd,
         count(*) filter (where cost_usd is null)::integer as unpriced_interactions,
         round(avg(latency_ms))::integer as avg_latency_ms,
         percentile_cont(0.95) within group (order by latency_ms) as p95_latency_ms
    from public.guru_interactions
   group by org_id, agent_type;
comment on view public.guru_effectiveness is 'Effectiveness per guru type: interactions, helpful share among rated ones, cost, latency.';

create view public.twin_interaction_stats with (security_invoker = true) as
  select org_id, twin_role, interaction_type,
         count(*)::integer as interactions,
         round(count(*) filter (where was_helpful)::numeric / nullif(count(was_helpful), 0), 4) as helpful_share,
         round(count(*) filter (where dismissed)::numeric / count(*), 4) as dismissed_share,
         sum(cost_usd) as total_cost_usd,
         count(*) filter (where cost_usd is null)::integer as unpriced_interactions
    from public.employee_twin_interactions
   group by org_id, twin_role, interaction_type;
comment on view public.twin_interaction_stats is 'AI twin usage per role and interaction type: count, helpful share among rated, dismissed share, cost.';

revoke all on public.mentor_repeated_questions, public.mentor_variant_stats, public.mentor_review_queue,
  public.guru_effectiveness, public.twin_interaction_stats from anon, authenticated;
grant select on public.mentor_repeated_questions, public.mentor_variant_stats, public.mentor_review_queue,
  public.guru_effectiveness, public.twin_interaction_stats to authenticated, service_role;
