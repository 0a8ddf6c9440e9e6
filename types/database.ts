export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  // Allows to automatically instantiate createClient with right options
  // instead of createClient<Database, { PostgrestVersion: 'XX' }>(URL, KEY)
  __InternalSupabase: {
    PostgrestVersion: "13"
  }
  public: {
    Tables: {
      account_invitations: {
        Row: {
          accepted_at: string | null
          accepted_by: string | null
          account_id: string
          created_at: string
          email: string
          expires_at: string
          id: string
          invited_by: string | null
          revoked_at: string | null
          role_id: string
          token_hash: string
        }
        Insert: {
          accepted_at?: string | null
          accepted_by?: string | null
          account_id: string
          created_at?: string
          email: string
          expires_at?: string
          id?: string
          invited_by?: string | null
          revoked_at?: string | null
          role_id: string
          token_hash: string
        }
        Update: {
          accepted_at?: string | null
          accepted_by?: string | null
          account_id?: string
          created_at?: string
          email?: string
          expires_at?: string
          id?: string
          invited_by?: string | null
          revoked_at?: string | null
          role_id?: string
          token_hash?: string
        }
        Relationships: [
          {
            foreignKeyName: "account_invitations_accepted_by_fkey"
            columns: ["accepted_by"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "account_invitations_accepted_by_fkey"
            columns: ["accepted_by"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "account_invitations_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "account_invitations_invited_by_fkey"
            columns: ["invited_by"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "account_invitations_invited_by_fkey"
            columns: ["invited_by"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "account_invitations_role_id_fkey"
            columns: ["role_id"]
            isOneToOne: false
            referencedRelation: "roles"
            referencedColumns: ["id"]
          },
        ]
      }
      account_model_prices: {
        Row: {
          account_id: string
          cache_creation_input_token_cost: number | null
          cache_creation_input_token_cost_above_1hr: number | null
          cache_creation_input_token_cost_above_1hr_above_threshold:
            | number
            | null
          cache_creation_input_token_cost_above_threshold: number | null
          cache_read_input_token_cost: number | null
          cache_read_input_token_cost_above_threshold: number | null
          cache_read_input_token_cost_flex: number | null
          cache_read_input_token_cost_priority: number | null
          created_at: string
          deprecation_date: string | null
          id: string
          input_cost_per_token: number | null
          input_cost_per_token_above_threshold: number | null
          input_cost_per_token_batches: number | null
          input_cost_per_token_flex: number | null
          input_cost_per_token_priority: number | null
          litellm_provider: string | null
          max_input_tokens: number | null
          max_output_tokens: number | null
          model: string
          output_cost_per_reasoning_token: number | null
          output_cost_per_token: number | null
          output_cost_per_token_above_threshold: number | null
          output_cost_per_token_batches: number | null
          output_cost_per_token_flex: number | null
          output_cost_per_token_priority: number | null
          tier_threshold_tokens: number | null
          updated_at: string
        }
        Insert: {
          account_id: string
          cache_creation_input_token_cost?: number | null
          cache_creation_input_token_cost_above_1hr?: number | null
          cache_creation_input_token_cost_above_1hr_above_threshold?:
            | number
            | null
          cache_creation_input_token_cost_above_threshold?: number | null
          cache_read_input_token_cost?: number | null
          cache_read_input_token_cost_above_threshold?: number | null
          cache_read_input_token_cost_flex?: number | null
          cache_read_input_token_cost_priority?: number | null
          created_at?: string
          deprecation_date?: string | null
          id?: string
          input_cost_per_token?: number | null
          input_cost_per_token_above_threshold?: number | null
          input_cost_per_token_batches?: number | null
          input_cost_per_token_flex?: number | null
          input_cost_per_token_priority?: number | null
          litellm_provider?: string | null
          max_input_tokens?: number | null
          max_output_tokens?: number | null
          model: string
          output_cost_per_reasoning_token?: number | null
          output_cost_per_token?: number | null
          output_cost_per_token_above_threshold?: number | null
          output_cost_per_token_batches?: number | null
          output_cost_per_token_flex?: number | null
          output_cost_per_token_priority?: number | null
          tier_threshold_tokens?: number | null
          updated_at?: string
        }
        Update: {
          account_id?: string
          cache_creation_input_token_cost?: number | null
          cache_creation_input_token_cost_above_1hr?: number | null
          cache_creation_input_token_cost_above_1hr_above_threshold?:
            | number
            | null
          cache_creation_input_token_cost_above_threshold?: number | null
          cache_read_input_token_cost?: number | null
          cache_read_input_token_cost_above_threshold?: number | null
          cache_read_input_token_cost_flex?: number | null
          cache_read_input_token_cost_priority?: number | null
          created_at?: string
          deprecation_date?: string | null
          id?: string
          input_cost_per_token?: number | null
          input_cost_per_token_above_threshold?: number | null
          input_cost_per_token_batches?: number | null
          input_cost_per_token_flex?: number | null
          input_cost_per_token_priority?: number | null
          litellm_provider?: string | null
          max_input_tokens?: number | null
          max_output_tokens?: number | null
          model?: string
          output_cost_per_reasoning_token?: number | null
          output_cost_per_token?: number | null
          output_cost_per_token_above_threshold?: number | null
          output_cost_per_token_batches?: number | null
          output_cost_per_token_flex?: number | null
          output_cost_per_token_priority?: number | null
          tier_threshold_tokens?: number | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "account_model_prices_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      account_settings: {
        Row: {
          account_id: string
          cache_ttl_seconds: number | null
          created_at: string
          drop_ip_after_geo: boolean
          encrypt_payloads: boolean
          fallback_models: string[] | null
          log_request_bodies: boolean
          log_response_bodies: boolean
          max_concurrent_calls: number | null
          max_request_bytes: number | null
          max_retries: number | null
          retention_days: number | null
          updated_at: string
        }
        Insert: {
          account_id: string
          cache_ttl_seconds?: number | null
          created_at?: string
          drop_ip_after_geo?: boolean
          encrypt_payloads?: boolean
          fallback_models?: string[] | null
          log_request_bodies?: boolean
          log_response_bodies?: boolean
          max_concurrent_calls?: number | null
          max_request_bytes?: number | null
          max_retries?: number | null
          retention_days?: number | null
          updated_at?: string
        }
        Update: {
          account_id?: string
          cache_ttl_seconds?: number | null
          created_at?: string
          drop_ip_after_geo?: boolean
          encrypt_payloads?: boolean
          fallback_models?: string[] | null
          log_request_bodies?: boolean
          log_response_bodies?: boolean
          max_concurrent_calls?: number | null
          max_request_bytes?: number | null
          max_retries?: number | null
          retention_days?: number | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "account_settings_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: true
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      accounts: {
        Row: {
          created_at: string
          id: string
          is_active: boolean | null
          name: string
          slug: string
          status: string
          subscription_tier: string
          updated_at: string
        }
        Insert: {
          created_at?: string
          id?: string
          is_active?: never
          name: string
          slug: string
          status?: string
          subscription_tier?: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          id?: string
          is_active?: never
          name?: string
          slug?: string
          status?: string
          subscription_tier?: string
          updated_at?: string
        }
        Relationships: []
      }
      agent_instances: {
        Row: {
          account_id: string
          agent_type: string
          config: NonNullable<Json>
          created_at: string
          display_name: string | null
          id: string
          instance_slug: string
          last_used_at: string | null
          status: string
          template_id: string | null
          updated_at: string
        }
        Insert: {
          account_id: string
          agent_type: string
          config?: NonNullable<Json>
          created_at?: string
          display_name?: string | null
          id?: string
          instance_slug: string
          last_used_at?: string | null
          status?: string
          template_id?: string | null
          updated_at?: string
        }
        Update: {
          account_id?: string
          agent_type?: string
          config?: NonNullable<Json>
          created_at?: string
          display_name?: string | null
          id?: string
          instance_slug?: string
          last_used_at?: string | null
          status?: string
          template_id?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "agent_instances_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "agent_instances_template_id_fkey"
            columns: ["template_id"]
            isOneToOne: false
            referencedRelation: "agent_templates"
            referencedColumns: ["id"]
          },
        ]
      }
      agent_performance_metrics: {
        Row: {
          account_id: string
          agent_instance_id: string | null
          created_at: string
          id: string
          request_type: string
          response_time_ms: number | null
          status: string
        }
        Insert: {
          account_id: string
          agent_instance_id?: string | null
          created_at?: string
          id?: string
          request_type: string
          response_time_ms?: number | null
          status: string
        }
        Update: {
          account_id?: string
          agent_instance_id?: string | null
          created_at?: string
          id?: string
          request_type?: string
          response_time_ms?: number | null
          status?: string
        }
        Relationships: [
          {
            foreignKeyName: "agent_performance_metrics_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "agent_performance_metrics_agent_instance_id_fkey"
            columns: ["agent_instance_id"]
            isOneToOne: false
            referencedRelation: "agent_instances"
            referencedColumns: ["id"]
          },
        ]
      }
      agent_templates: {
        Row: {
          config_schema: NonNullable<Json>
          created_at: string
          description: string | null
          id: string
          name: string
          pricing_tiers: NonNullable<Json>
          updated_at: string
          version: string
          workflow_class: string | null
        }
        Insert: {
          config_schema?: NonNullable<Json>
          created_at?: string
          description?: string | null
          id?: string
          name: string
          pricing_tiers?: NonNullable<Json>
          updated_at?: string
          version?: string
          workflow_class?: string | null
        }
        Update: {
          config_schema?: NonNullable<Json>
          created_at?: string
          description?: string | null
          id?: string
          name?: string
          pricing_tiers?: NonNullable<Json>
          updated_at?: string
          version?: string
          workflow_class?: string | null
        }
        Relationships: []
      }
      agent_usage_log: {
        Row: {
          account_id: string
          agent_instance_id: string | null
          created_at: string
          id: string
          request_count: number
          session_id: string | null
          total_cost: number | null
          total_tokens: number
          updated_at: string
        }
        Insert: {
          account_id: string
          agent_instance_id?: string | null
          created_at?: string
          id?: string
          request_count?: number
          session_id?: string | null
          total_cost?: number | null
          total_tokens?: number
          updated_at?: string
        }
        Update: {
          account_id?: string
          agent_instance_id?: string | null
          created_at?: string
          id?: string
          request_count?: number
          session_id?: string | null
          total_cost?: number | null
          total_tokens?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "agent_usage_log_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "agent_usage_log_agent_instance_id_fkey"
            columns: ["agent_instance_id"]
            isOneToOne: false
            referencedRelation: "agent_instances"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "agent_usage_log_session_id_fkey"
            columns: ["session_id"]
            isOneToOne: false
            referencedRelation: "sessions"
            referencedColumns: ["id"]
          },
        ]
      }
      ai_interactions: {
        Row: {
          account_id: string
          conversation_id: string | null
          country: string | null
          error_code: string | null
          error_message: string | null
          file_metadata: Json | null
          id: string
          ip_address: unknown
          latency_ms: number | null
          llm_request_id: string | null
          model_name: string | null
          prompt_hash: string | null
          properties: NonNullable<Json>
          provider: string | null
          request: NonNullable<Json>
          response: Json | null
          status: string
          timestamp: string
          user_id: string | null
        }
        Insert: {
          account_id: string
          conversation_id?: string | null
          country?: string | null
          error_code?: string | null
          error_message?: string | null
          file_metadata?: Json | null
          id?: string
          ip_address?: unknown
          latency_ms?: number | null
          llm_request_id?: string | null
          model_name?: string | null
          prompt_hash?: string | null
          properties?: NonNullable<Json>
          provider?: string | null
          request: NonNullable<Json>
          response?: Json | null
          status?: string
          timestamp?: string
          user_id?: string | null
        }
        Update: {
          account_id?: string
          conversation_id?: string | null
          country?: string | null
          error_code?: string | null
          error_message?: string | null
          file_metadata?: Json | null
          id?: string
          ip_address?: unknown
          latency_ms?: number | null
          llm_request_id?: string | null
          model_name?: string | null
          prompt_hash?: string | null
          properties?: NonNullable<Json>
          provider?: string | null
          request?: NonNullable<Json>
          response?: Json | null
          status?: string
          timestamp?: string
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "ai_interactions_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_interactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_interactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      ai_mentor_chats: {
        Row: {
          account_id: string
          conversation_context: Json | null
          conversation_id: string | null
          cost_usd: number | null
          course_id: string | null
          created_at: string | null
          escalated_at: string | null
          escalated_to_trainer: boolean | null
          escalation_reason: string | null
          flagged_for_review: boolean | null
          id: string
          llm_request_id: string | null
          model: string
          prompt_variant_id: string | null
          question: string
          question_hash: string | null
          rated_at: string | null
          resolution: string | null
          resolved_at: string | null
          resolved_by: string | null
          response: string
          response_time_ms: number
          student_feedback: string | null
          student_rating: number | null
          tokens_used: number
          topic_id: string | null
          user_id: string
        }
        Insert: {
          account_id: string
          conversation_context?: Json | null
          conversation_id?: string | null
          cost_usd?: number | null
          course_id?: string | null
          created_at?: string | null
          escalated_at?: string | null
          escalated_to_trainer?: boolean | null
          escalation_reason?: string | null
          flagged_for_review?: boolean | null
          id?: string
          llm_request_id?: string | null
          model?: string
          prompt_variant_id?: string | null
          question: string
          question_hash?: string | null
          rated_at?: string | null
          resolution?: string | null
          resolved_at?: string | null
          resolved_by?: string | null
          response: string
          response_time_ms?: number
          student_feedback?: string | null
          student_rating?: number | null
          tokens_used?: number
          topic_id?: string | null
          user_id: string
        }
        Update: {
          account_id?: string
          conversation_context?: Json | null
          conversation_id?: string | null
          cost_usd?: number | null
          course_id?: string | null
          created_at?: string | null
          escalated_at?: string | null
          escalated_to_trainer?: boolean | null
          escalation_reason?: string | null
          flagged_for_review?: boolean | null
          id?: string
          llm_request_id?: string | null
          model?: string
          prompt_variant_id?: string | null
          question?: string
          question_hash?: string | null
          rated_at?: string | null
          resolution?: string | null
          resolved_at?: string | null
          resolved_by?: string | null
          response?: string
          response_time_ms?: number
          student_feedback?: string | null
          student_rating?: number | null
          tokens_used?: number
          topic_id?: string | null
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "ai_mentor_chats_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_course_id_fkey"
            columns: ["course_id"]
            isOneToOne: false
            referencedRelation: "courses"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_prompt_variant_id_fkey"
            columns: ["prompt_variant_id"]
            isOneToOne: false
            referencedRelation: "ai_prompt_variants"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_resolved_by_fkey"
            columns: ["resolved_by"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_resolved_by_fkey"
            columns: ["resolved_by"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_topic_id_fkey"
            columns: ["topic_id"]
            isOneToOne: false
            referencedRelation: "module_topics"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      ai_prompt_variants: {
        Row: {
          account_id: string
          created_at: string
          id: string
          is_active: boolean
          name: string
          system_prompt: string
          updated_at: string
          weight: number
        }
        Insert: {
          account_id: string
          created_at?: string
          id?: string
          is_active?: boolean
          name: string
          system_prompt: string
          updated_at?: string
          weight?: number
        }
        Update: {
          account_id?: string
          created_at?: string
          id?: string
          is_active?: boolean
          name?: string
          system_prompt?: string
          updated_at?: string
          weight?: number
        }
        Relationships: [
          {
            foreignKeyName: "ai_prompt_variants_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      api_keys: {
        Row: {
          account_id: string
          allowed_models: string[] | null
          created_at: string
          created_by: string | null
          expires_at: string | null
          id: string
          key_hash: string
          last_used_at: string | null
          name: string
          prefix: string
          revoked_at: string | null
        }
        Insert: {
          account_id: string
          allowed_models?: string[] | null
          created_at?: string
          created_by?: string | null
          expires_at?: string | null
          id?: string
          key_hash: string
          last_used_at?: string | null
          name: string
          prefix: string
          revoked_at?: string | null
        }
        Update: {
          account_id?: string
          allowed_models?: string[] | null
          created_at?: string
          created_by?: string | null
          expires_at?: string | null
          id?: string
          key_hash?: string
          last_used_at?: string | null
          name?: string
          prefix?: string
          revoked_at?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "api_keys_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "api_keys_created_by_fkey"
            columns: ["created_by"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "api_keys_created_by_fkey"
            columns: ["created_by"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      courses: {
        Row: {
          account_id: string
          created_at: string
          description: string | null
          id: string
          status: string
          title: string
          updated_at: string
        }
        Insert: {
          account_id: string
          created_at?: string
          description?: string | null
          id?: string
          status?: string
          title: string
          updated_at?: string
        }
        Update: {
          account_id?: string
          created_at?: string
          description?: string | null
          id?: string
          status?: string
          title?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "courses_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      employee_twin_interactions: {
        Row: {
          context: Json | null
          cost_usd: number | null
          created_at: string | null
          dismissed: boolean | null
          id: string
          interaction_type: string
          latency_ms: number | null
          llm_request_id: string | null
          model_used: string | null
          org_id: string
          prompt: string | null
          response: string
          tokens_used: number | null
          twin_role: string
          updated_at: string | null
          user_feedback: string | null
          user_id: string
          was_helpful: boolean | null
        }
        Insert: {
          context?: Json | null
          cost_usd?: number | null
          created_at?: string | null
          dismissed?: boolean | null
          id?: string
          interaction_type: string
          latency_ms?: number | null
          llm_request_id?: string | null
          model_used?: string | null
          org_id: string
          prompt?: string | null
          response: string
          tokens_used?: number | null
          twin_role: string
          updated_at?: string | null
          user_feedback?: string | null
          user_id: string
          was_helpful?: boolean | null
        }
        Update: {
          context?: Json | null
          cost_usd?: number | null
          created_at?: string | null
          dismissed?: boolean | null
          id?: string
          interaction_type?: string
          latency_ms?: number | null
          llm_request_id?: string | null
          model_used?: string | null
          org_id?: string
          prompt?: string | null
          response?: string
          tokens_used?: number | null
          twin_role?: string
          updated_at?: string | null
          user_feedback?: string | null
          user_id?: string
          was_helpful?: boolean | null
        }
        Relationships: [
          {
            foreignKeyName: "employee_twin_interactions_org_id_fkey"
            columns: ["org_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "employee_twin_interactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "employee_twin_interactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      guru_agents: {
        Row: {
          account_id: string
          agent_type: string
          created_at: string
          id: string
          input_schema: NonNullable<Json>
          is_active: boolean
          model: string | null
          output_schema: NonNullable<Json>
          system_prompt: string
          updated_at: string
        }
        Insert: {
          account_id: string
          agent_type: string
          created_at?: string
          id?: string
          input_schema?: NonNullable<Json>
          is_active?: boolean
          model?: string | null
          output_schema: NonNullable<Json>
          system_prompt: string
          updated_at?: string
        }
        Update: {
          account_id?: string
          agent_type?: string
          created_at?: string
          id?: string
          input_schema?: NonNullable<Json>
          is_active?: boolean
          model?: string | null
          output_schema?: NonNullable<Json>
          system_prompt?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "guru_agents_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      guru_interactions: {
        Row: {
          agent_type: string
          conversation_id: string | null
          cost_usd: number | null
          created_at: string
          id: string
          input: NonNullable<Json>
          latency_ms: number
          llm_request_id: string | null
          model_used: string
          org_id: string
          output: NonNullable<Json>
          student_id: string
          tokens_used: number
          user_feedback: string | null
          was_helpful: boolean | null
        }
        Insert: {
          agent_type: string
          conversation_id?: string | null
          cost_usd?: number | null
          created_at?: string
          id?: string
          input: NonNullable<Json>
          latency_ms?: number
          llm_request_id?: string | null
          model_used: string
          org_id: string
          output: NonNullable<Json>
          student_id: string
          tokens_used?: number
          user_feedback?: string | null
          was_helpful?: boolean | null
        }
        Update: {
          agent_type?: string
          conversation_id?: string | null
          cost_usd?: number | null
          created_at?: string
          id?: string
          input?: NonNullable<Json>
          latency_ms?: number
          llm_request_id?: string | null
          model_used?: string
          org_id?: string
          output?: NonNullable<Json>
          student_id?: string
          tokens_used?: number
          user_feedback?: string | null
          was_helpful?: boolean | null
        }
        Relationships: [
          {
            foreignKeyName: "guru_interactions_org_id_fkey"
            columns: ["org_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "guru_interactions_student_id_fkey"
            columns: ["student_id"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "guru_interactions_student_id_fkey"
            columns: ["student_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      llm_error_patterns_hourly: {
        Row: {
          account_id: string
          error_code: string | null
          first_seen: string
          hour: string
          id: string
          last_seen: string
          message: string | null
          model: string
          occurrences: number
        }
        Insert: {
          account_id: string
          error_code?: string | null
          first_seen: string
          hour: string
          id?: string
          last_seen: string
          message?: string | null
          model: string
          occurrences: number
        }
        Update: {
          account_id?: string
          error_code?: string | null
          first_seen?: string
          hour?: string
          id?: string
          last_seen?: string
          message?: string | null
          model?: string
          occurrences?: number
        }
        Relationships: [
          {
            foreignKeyName: "llm_error_patterns_hourly_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      llm_requests: {
        Row: {
          account_id: string
          account_slug: string
          agent_instance_id: string | null
          agent_instance_slug: string | null
          agent_type: string | null
          api_key_id: string | null
          attempt_count: number | null
          attempts: Json | null
          billed_cost: number | null
          cache_creation_1h_tokens: number | null
          cache_creation_tokens: number | null
          cache_hit: boolean
          cached_tokens: number | null
          completion_status: string
          completion_tokens: number | null
          computed_cost: number | null
          conversation_id: string | null
          cost_difference: number | null
          cost_saved: number | null
          country: string | null
          created_at: string
          end_user: string | null
          error_code: string | null
          error_message: string | null
          finish_reason: string | null
          http_status: number | null
          id: string
          ip_address: unknown
          is_stream: boolean | null
          latency_ms: number | null
          model: string
          models_tried: string[] | null
          price_source: string | null
          prompt_tokens: number | null
          properties: NonNullable<Json>
          provider: string
          provider_cost: number | null
          reasoning_tokens: number | null
          service_tier: string | null
          session_id: string | null
          time_to_first_token_ms: number | null
          total_tokens: number | null
          unit_cost_cache_creation: number | null
          unit_cost_cache_creation_1h: number | null
          unit_cost_cached: number | null
          unit_cost_completion: number | null
          unit_cost_prompt: number | null
          unit_cost_reasoning: number | null
          usage_source: string | null
          user_id: string | null
          request_body: Json | null
          response_body: Json | null
        }
        Insert: {
          account_id: string
          account_slug: string
          agent_instance_id?: string | null
          agent_instance_slug?: string | null
          agent_type?: string | null
          api_key_id?: string | null
          attempt_count?: number | null
          attempts?: Json | null
          billed_cost?: never
          cache_creation_1h_tokens?: number | null
          cache_creation_tokens?: number | null
          cache_hit?: boolean
          cached_tokens?: number | null
          completion_status: string
          completion_tokens?: number | null
          computed_cost?: number | null
          conversation_id?: string | null
          cost_difference?: never
          cost_saved?: number | null
          country?: string | null
          created_at?: string
          end_user?: string | null
          error_code?: string | null
          error_message?: string | null
          finish_reason?: string | null
          http_status?: number | null
          id?: string
          ip_address?: unknown
          is_stream?: boolean | null
          latency_ms?: number | null
          model: string
          models_tried?: string[] | null
          price_source?: string | null
          prompt_tokens?: number | null
          properties?: NonNullable<Json>
          provider?: string
          provider_cost?: number | null
          reasoning_tokens?: number | null
          service_tier?: string | null
          session_id?: string | null
          time_to_first_token_ms?: number | null
          total_tokens?: number | null
          unit_cost_cache_creation?: number | null
          unit_cost_cache_creation_1h?: number | null
          unit_cost_cached?: number | null
          unit_cost_completion?: number | null
          unit_cost_prompt?: number | null
          unit_cost_reasoning?: number | null
          usage_source?: string | null
          user_id?: string | null
        }
        Update: {
          account_id?: string
          account_slug?: string
          agent_instance_id?: string | null
          agent_instance_slug?: string | null
          agent_type?: string | null
          api_key_id?: string | null
          attempt_count?: number | null
          attempts?: Json | null
          billed_cost?: never
          cache_creation_1h_tokens?: number | null
          cache_creation_tokens?: number | null
          cache_hit?: boolean
          cached_tokens?: number | null
          completion_status?: string
          completion_tokens?: number | null
          computed_cost?: number | null
          conversation_id?: string | null
          cost_difference?: never
          cost_saved?: number | null
          country?: string | null
          created_at?: string
          end_user?: string | null
          error_code?: string | null
          error_message?: string | null
          finish_reason?: string | null
          http_status?: number | null
          id?: string
          ip_address?: unknown
          is_stream?: boolean | null
          latency_ms?: number | null
          model?: string
          models_tried?: string[] | null
          price_source?: string | null
          prompt_tokens?: number | null
          properties?: NonNullable<Json>
          provider?: string
          provider_cost?: number | null
          reasoning_tokens?: number | null
          service_tier?: string | null
          session_id?: string | null
          time_to_first_token_ms?: number | null
          total_tokens?: number | null
          unit_cost_cache_creation?: number | null
          unit_cost_cache_creation_1h?: number | null
          unit_cost_cached?: number | null
          unit_cost_completion?: number | null
          unit_cost_prompt?: number | null
          unit_cost_reasoning?: number | null
          usage_source?: string | null
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "llm_requests_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "llm_requests_agent_instance_id_fkey"
            columns: ["agent_instance_id"]
            isOneToOne: false
            referencedRelation: "agent_instances"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "llm_requests_api_key_id_fkey"
            columns: ["api_key_id"]
            isOneToOne: false
            referencedRelation: "api_keys"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "llm_requests_session_id_fkey"
            columns: ["session_id"]
            isOneToOne: false
            referencedRelation: "sessions"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "llm_requests_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "llm_requests_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      llm_usage_daily: {
        Row: {
          account_id: string
          completion_tokens: number
          computed_cost: number
          day: string
          error_count: number
          id: string
          latency_ms_sum: number
          model: string
          prompt_tokens: number
          provider: string
          provider_cost: number | null
          request_count: number
          total_tokens: number
          unpriced_count: number
          updated_at: string
        }
        Insert: {
          account_id: string
          completion_tokens?: number
          computed_cost?: number
          day: string
          error_count?: number
          id?: string
          latency_ms_sum?: number
          model: string
          prompt_tokens?: number
          provider: string
          provider_cost?: number | null
          request_count?: number
          total_tokens?: number
          unpriced_count?: number
          updated_at?: string
        }
        Update: {
          account_id?: string
          completion_tokens?: number
          computed_cost?: number
          day?: string
          error_count?: number
          id?: string
          latency_ms_sum?: number
          model?: string
          prompt_tokens?: number
          provider?: string
          provider_cost?: number | null
          request_count?: number
          total_tokens?: number
          unpriced_count?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "llm_usage_daily_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      llm_usage_hourly: {
        Row: {
          account_id: string
          cached_tokens: number
          completion_tokens: number
          computed_cost: number
          dimension: string
          error_count: number
          hour: string
          id: string
          latency_count: number
          latency_histogram: number[]
          latency_ms_max: number | null
          latency_ms_sum: number
          prompt_tokens: number
          reasoning_tokens: number
          request_count: number
          success_count: number
          total_tokens: number
          ttft_count: number
          ttft_histogram: number[]
          ttft_ms_max: number | null
          ttft_ms_sum: number
          unpriced_count: number
          updated_at: string
          value: string | null
        }
        Insert: {
          account_id: string
          cached_tokens?: number
          completion_tokens?: number
          computed_cost?: number
          dimension: string
          error_count?: number
          hour: string
          id?: string
          latency_count?: number
          latency_histogram: number[]
          latency_ms_max?: number | null
          latency_ms_sum?: number
          prompt_tokens?: number
          reasoning_tokens?: number
          request_count?: number
          success_count?: number
          total_tokens?: number
          ttft_count?: number
          ttft_histogram: number[]
          ttft_ms_max?: number | null
          ttft_ms_sum?: number
          unpriced_count?: number
          updated_at?: string
          value?: string | null
        }
        Update: {
          account_id?: string
          cached_tokens?: number
          completion_tokens?: number
          computed_cost?: number
          dimension?: string
          error_count?: number
          hour?: string
          id?: string
          latency_count?: number
          latency_histogram?: number[]
          latency_ms_max?: number | null
          latency_ms_sum?: number
          prompt_tokens?: number
          reasoning_tokens?: number
          request_count?: number
          success_count?: number
          total_tokens?: number
          ttft_count?: number
          ttft_histogram?: number[]
          ttft_ms_max?: number | null
          ttft_ms_sum?: number
          unpriced_count?: number
          updated_at?: string
          value?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "llm_usage_hourly_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      mcp_servers: {
        Row: {
          account_restrictions: NonNullable<Json>
          created_at: string
          endpoint_url: string
          id: string
          is_stateless: boolean
          name: string
          supported_tools: string[]
          type: string
          updated_at: string
        }
        Insert: {
          account_restrictions?: NonNullable<Json>
          created_at?: string
          endpoint_url: string
          id?: string
          is_stateless?: boolean
          name: string
          supported_tools?: string[]
          type: string
          updated_at?: string
        }
        Update: {
          account_restrictions?: NonNullable<Json>
          created_at?: string
          endpoint_url?: string
          id?: string
          is_stateless?: boolean
          name?: string
          supported_tools?: string[]
          type?: string
          updated_at?: string
        }
        Relationships: []
      }
      mentor_settings: {
        Row: {
          account_id: string
          context_tokens: number | null
          created_at: string
          model: string | null
          system_prompt: string | null
          updated_at: string
        }
        Insert: {
          account_id: string
          context_tokens?: number | null
          created_at?: string
          model?: string | null
          system_prompt?: string | null
          updated_at?: string
        }
        Update: {
          account_id?: string
          context_tokens?: number | null
          created_at?: string
          model?: string | null
          system_prompt?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "mentor_settings_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: true
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      messages: {
        Row: {
          account_id: string
          agent_instance_id: string | null
          content: string
          created_at: string
          id: string
          metadata: NonNullable<Json>
          role: string
          session_id: string
        }
        Insert: {
          account_id: string
          agent_instance_id?: string | null
          content?: string
          created_at?: string
          id?: string
          metadata?: NonNullable<Json>
          role: string
          session_id: string
        }
        Update: {
          account_id?: string
          agent_instance_id?: string | null
          content?: string
          created_at?: string
          id?: string
          metadata?: NonNullable<Json>
          role?: string
          session_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "messages_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "messages_agent_instance_id_fkey"
            columns: ["agent_instance_id"]
            isOneToOne: false
            referencedRelation: "agent_instances"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "messages_session_id_fkey"
            columns: ["session_id"]
            isOneToOne: false
            referencedRelation: "sessions"
            referencedColumns: ["id"]
          },
        ]
      }
      model_prices: {
        Row: {
          cache_creation_input_token_cost: number | null
          cache_creation_input_token_cost_above_1hr: number | null
          cache_creation_input_token_cost_above_1hr_above_threshold:
            | number
            | null
          cache_creation_input_token_cost_above_threshold: number | null
          cache_read_input_token_cost: number | null
          cache_read_input_token_cost_above_threshold: number | null
          cache_read_input_token_cost_flex: number | null
          cache_read_input_token_cost_priority: number | null
          deprecation_date: string | null
          input_cost_per_token: number | null
          input_cost_per_token_above_threshold: number | null
          input_cost_per_token_batches: number | null
          input_cost_per_token_flex: number | null
          input_cost_per_token_priority: number | null
          litellm_provider: string | null
          max_input_tokens: number | null
          max_output_tokens: number | null
          model: string
          output_cost_per_reasoning_token: number | null
          output_cost_per_token: number | null
          output_cost_per_token_above_threshold: number | null
          output_cost_per_token_batches: number | null
          output_cost_per_token_flex: number | null
          output_cost_per_token_priority: number | null
          tier_threshold_tokens: number | null
          updated_at: string
        }
        Insert: {
          cache_creation_input_token_cost?: number | null
          cache_creation_input_token_cost_above_1hr?: number | null
          cache_creation_input_token_cost_above_1hr_above_threshold?:
            | number
            | null
          cache_creation_input_token_cost_above_threshold?: number | null
          cache_read_input_token_cost?: number | null
          cache_read_input_token_cost_above_threshold?: number | null
          cache_read_input_token_cost_flex?: number | null
          cache_read_input_token_cost_priority?: number | null
          deprecation_date?: string | null
          input_cost_per_token?: number | null
          input_cost_per_token_above_threshold?: number | null
          input_cost_per_token_batches?: number | null
          input_cost_per_token_flex?: number | null
          input_cost_per_token_priority?: number | null
          litellm_provider?: string | null
          max_input_tokens?: number | null
          max_output_tokens?: number | null
          model: string
          output_cost_per_reasoning_token?: number | null
          output_cost_per_token?: number | null
          output_cost_per_token_above_threshold?: number | null
          output_cost_per_token_batches?: number | null
          output_cost_per_token_flex?: number | null
          output_cost_per_token_priority?: number | null
          tier_threshold_tokens?: number | null
          updated_at?: string
        }
        Update: {
          cache_creation_input_token_cost?: number | null
          cache_creation_input_token_cost_above_1hr?: number | null
          cache_creation_input_token_cost_above_1hr_above_threshold?:
            | number
            | null
          cache_creation_input_token_cost_above_threshold?: number | null
          cache_read_input_token_cost?: number | null
          cache_read_input_token_cost_above_threshold?: number | null
          cache_read_input_token_cost_flex?: number | null
          cache_read_input_token_cost_priority?: number | null
          deprecation_date?: string | null
          input_cost_per_token?: number | null
          input_cost_per_token_above_threshold?: number | null
          input_cost_per_token_batches?: number | null
          input_cost_per_token_flex?: number | null
          input_cost_per_token_priority?: number | null
          litellm_provider?: string | null
          max_input_tokens?: number | null
          max_output_tokens?: number | null
          model?: string
          output_cost_per_reasoning_token?: number | null
          output_cost_per_token?: number | null
          output_cost_per_token_above_threshold?: number | null
          output_cost_per_token_batches?: number | null
          output_cost_per_token_flex?: number | null
          output_cost_per_token_priority?: number | null
          tier_threshold_tokens?: number | null
          updated_at?: string
        }
        Relationships: []
      }
      module_topics: {
        Row: {
          account_id: string
          course_id: string
          created_at: string
          id: string
          position: number
          title: string
          updated_at: string
        }
        Insert: {
          account_id: string
          course_id: string
          created_at?: string
          id?: string
          position?: number
          title: string
          updated_at?: string
        }
        Update: {
          account_id?: string
          course_id?: string
          created_at?: string
          id?: string
          position?: number
          title?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "module_topics_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "module_topics_course_fkey"
            columns: ["course_id", "account_id"]
            isOneToOne: false
            referencedRelation: "courses"
            referencedColumns: ["id", "account_id"]
          },
        ]
      }
      profile_email_collisions: {
        Row: {
          account_id: string
          detected_at: string
          email: string
          id: string
          other_session_id: string
          resolution: string | null
          reviewed_at: string | null
          reviewed_by: string | null
          session_id: string
        }
        Insert: {
          account_id: string
          detected_at?: string
          email: string
          id?: string
          other_session_id: string
          resolution?: string | null
          reviewed_at?: string | null
          reviewed_by?: string | null
          session_id: string
        }
        Update: {
          account_id?: string
          detected_at?: string
          email?: string
          id?: string
          other_session_id?: string
          resolution?: string | null
          reviewed_at?: string | null
          reviewed_by?: string | null
          session_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "profile_email_collisions_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "profile_email_collisions_other_session_id_fkey"
            columns: ["other_session_id"]
            isOneToOne: false
            referencedRelation: "sessions"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "profile_email_collisions_reviewed_by_fkey"
            columns: ["reviewed_by"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "profile_email_collisions_reviewed_by_fkey"
            columns: ["reviewed_by"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "profile_email_collisions_session_id_fkey"
            columns: ["session_id"]
            isOneToOne: false
            referencedRelation: "sessions"
            referencedColumns: ["id"]
          },
        ]
      }
      profiles: {
        Row: {
          account_id: string
          address_city: string | null
          address_state: string | null
          address_street: string | null
          address_zip: string | null
          created_at: string
          customer_name: string | null
          email: string | null
          id: string
          phone: string | null
          preferences: NonNullable<Json>
          products_of_interest: string[]
          services_of_interest: string[]
          session_id: string
          updated_at: string
        }
        Insert: {
          account_id: string
          address_city?: string | null
          address_state?: string | null
          address_street?: string | null
          address_zip?: string | null
          created_at?: string
          customer_name?: string | null
          email?: string | null
          id?: string
          phone?: string | null
          preferences?: NonNullable<Json>
          products_of_interest?: string[]
          services_of_interest?: string[]
          session_id: string
          updated_at?: string
        }
        Update: {
          account_id?: string
          address_city?: string | null
          address_state?: string | null
          address_street?: string | null
          address_zip?: string | null
          created_at?: string
          customer_name?: string | null
          email?: string | null
          id?: string
          phone?: string | null
          preferences?: NonNullable<Json>
          products_of_interest?: string[]
          services_of_interest?: string[]
          session_id?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "profiles_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "profiles_session_id_fkey"
            columns: ["session_id"]
            isOneToOne: false
            referencedRelation: "sessions"
            referencedColumns: ["id"]
          },
        ]
      }
      roles: {
        Row: {
          created_at: string
          description: string | null
          id: string
          name: string
          permissions: NonNullable<Json>
        }
        Insert: {
          created_at?: string
          description?: string | null
          id?: string
          name: string
          permissions?: NonNullable<Json>
        }
        Update: {
          created_at?: string
          description?: string | null
          id?: string
          name?: string
          permissions?: NonNullable<Json>
        }
        Relationships: []
      }
      sessions: {
        Row: {
          account_id: string
          account_slug: string
          agent_instance_id: string | null
          created_at: string
          email: string | null
          id: string
          is_anonymous: boolean
          last_activity_at: string
          metadata: NonNullable<Json>
          session_key: string
          updated_at: string
          user_id: string | null
        }
        Insert: {
          account_id: string
          account_slug: string
          agent_instance_id?: string | null
          created_at?: string
          email?: string | null
          id?: string
          is_anonymous?: boolean
          last_activity_at?: string
          metadata?: NonNullable<Json>
          session_key: string
          updated_at?: string
          user_id?: string | null
        }
        Update: {
          account_id?: string
          account_slug?: string
          agent_instance_id?: string | null
          created_at?: string
          email?: string | null
          id?: string
          is_anonymous?: boolean
          last_activity_at?: string
          metadata?: NonNullable<Json>
          session_key?: string
          updated_at?: string
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "sessions_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "sessions_agent_instance_id_fkey"
            columns: ["agent_instance_id"]
            isOneToOne: false
            referencedRelation: "agent_instances"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "sessions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "sessions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      tier_defaults: {
        Row: {
          created_at: string
          id: string
          max_concurrent_calls: number | null
          tier: string
          updated_at: string
        }
        Insert: {
          created_at?: string
          id?: string
          max_concurrent_calls?: number | null
          tier: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          id?: string
          max_concurrent_calls?: number | null
          tier?: string
          updated_at?: string
        }
        Relationships: []
      }
      tier_limits: {
        Row: {
          created_at: string
          id: string
          max_cost_usd: number | null
          max_requests: number | null
          max_tokens: number | null
          period: string
          tier: string
          updated_at: string
        }
        Insert: {
          created_at?: string
          id?: string
          max_cost_usd?: number | null
          max_requests?: number | null
          max_tokens?: number | null
          period: string
          tier: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          id?: string
          max_cost_usd?: number | null
          max_requests?: number | null
          max_tokens?: number | null
          period?: string
          tier?: string
          updated_at?: string
        }
        Relationships: []
      }
      twin_interaction_types: {
        Row: {
          account_id: string
          created_at: string
          id: string
          instructions: string
          interaction_type: string
          updated_at: string
        }
        Insert: {
          account_id: string
          created_at?: string
          id?: string
          instructions: string
          interaction_type: string
          updated_at?: string
        }
        Update: {
          account_id?: string
          created_at?: string
          id?: string
          instructions?: string
          interaction_type?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "twin_interaction_types_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      twin_roles: {
        Row: {
          account_id: string
          created_at: string
          id: string
          model: string | null
          system_prompt: string
          twin_role: string
          updated_at: string
        }
        Insert: {
          account_id: string
          created_at?: string
          id?: string
          model?: string | null
          system_prompt: string
          twin_role: string
          updated_at?: string
        }
        Update: {
          account_id?: string
          created_at?: string
          id?: string
          model?: string | null
          system_prompt?: string
          twin_role?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "twin_roles_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      usage_limits: {
        Row: {
          account_id: string
          created_at: string
          created_by: string | null
          id: string
          max_cost_usd: number | null
          max_requests: number | null
          max_tokens: number | null
          period: string
          scope: string
          set_by: string
          subject: string | null
          updated_at: string
        }
        Insert: {
          account_id: string
          created_at?: string
          created_by?: string | null
          id?: string
          max_cost_usd?: number | null
          max_requests?: number | null
          max_tokens?: number | null
          period: string
          scope: string
          set_by?: string
          subject?: string | null
          updated_at?: string
        }
        Update: {
          account_id?: string
          created_at?: string
          created_by?: string | null
          id?: string
          max_cost_usd?: number | null
          max_requests?: number | null
          max_tokens?: number | null
          period?: string
          scope?: string
          set_by?: string
          subject?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "usage_limits_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "usage_limits_created_by_fkey"
            columns: ["created_by"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "usage_limits_created_by_fkey"
            columns: ["created_by"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      user_roles: {
        Row: {
          account_id: string
          created_at: string
          created_by: string | null
          id: string
          role_id: string
          user_id: string
        }
        Insert: {
          account_id: string
          created_at?: string
          created_by?: string | null
          id?: string
          role_id: string
          user_id: string
        }
        Update: {
          account_id?: string
          created_at?: string
          created_by?: string | null
          id?: string
          role_id?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "user_roles_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "user_roles_created_by_fkey"
            columns: ["created_by"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "user_roles_created_by_fkey"
            columns: ["created_by"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "user_roles_role_id_fkey"
            columns: ["role_id"]
            isOneToOne: false
            referencedRelation: "roles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "user_roles_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "user_roles_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      users: {
        Row: {
          created_at: string
          email: string | null
          full_name: string | null
          id: string
          last_login_at: string | null
          status: string
          updated_at: string
        }
        Insert: {
          created_at?: string
          email?: string | null
          full_name?: string | null
          id: string
          last_login_at?: string | null
          status?: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          email?: string | null
          full_name?: string | null
          id?: string
          last_login_at?: string | null
          status?: string
          updated_at?: string
        }
        Relationships: []
      }
      vector_db_configs: {
        Row: {
          account_id: string
          agent_instance_id: string
          connection_details: Json | null
          created_at: string
          id: string
          index_name: string | null
          namespace: string | null
          type: string
          updated_at: string
        }
        Insert: {
          account_id: string
          agent_instance_id: string
          connection_details?: Json | null
          created_at?: string
          id?: string
          index_name?: string | null
          namespace?: string | null
          type: string
          updated_at?: string
        }
        Update: {
          account_id?: string
          agent_instance_id?: string
          connection_details?: Json | null
          created_at?: string
          id?: string
          index_name?: string | null
          namespace?: string | null
          type?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "vector_db_configs_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "vector_db_configs_agent_instance_fkey"
            columns: ["agent_instance_id", "account_id"]
            isOneToOne: false
            referencedRelation: "agent_instances"
            referencedColumns: ["id", "account_id"]
          },
        ]
      }
    }
    Views: {
      ai_interactions_decrypted: {
        Row: {
          account_id: string | null
          conversation_id: string | null
          country: string | null
          error_code: string | null
          error_message: string | null
          file_metadata: Json | null
          id: string | null
          ip_address: unknown
          latency_ms: number | null
          llm_request_id: string | null
          model_name: string | null
          prompt_hash: string | null
          properties: Json | null
          provider: string | null
          request: Json | null
          response: Json | null
          status: string | null
          timestamp: string | null
          user_id: string | null
        }
        Insert: {
          account_id?: string | null
          conversation_id?: string | null
          country?: string | null
          error_code?: string | null
          error_message?: string | null
          file_metadata?: Json | null
          id?: string | null
          ip_address?: unknown
          latency_ms?: number | null
          llm_request_id?: string | null
          model_name?: string | null
          prompt_hash?: string | null
          properties?: Json | null
          provider?: string | null
          request?: never
          response?: never
          status?: string | null
          timestamp?: string | null
          user_id?: string | null
        }
        Update: {
          account_id?: string | null
          conversation_id?: string | null
          country?: string | null
          error_code?: string | null
          error_message?: string | null
          file_metadata?: Json | null
          id?: string | null
          ip_address?: unknown
          latency_ms?: number | null
          llm_request_id?: string | null
          model_name?: string | null
          prompt_hash?: string | null
          properties?: Json | null
          provider?: string | null
          request?: never
          response?: never
          status?: string | null
          timestamp?: string | null
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "ai_interactions_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_interactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_interactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      guru_effectiveness: {
        Row: {
          agent_type: string | null
          avg_latency_ms: number | null
          helpful_share: number | null
          interactions: number | null
          org_id: string | null
          p95_latency_ms: number | null
          rated: number | null
          total_cost_usd: number | null
          unpriced_interactions: number | null
        }
        Relationships: [
          {
            foreignKeyName: "guru_interactions_org_id_fkey"
            columns: ["org_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      llm_cost_discrepancies: {
        Row: {
          account_id: string | null
          cache_creation_tokens: number | null
          cached_tokens: number | null
          completion_tokens: number | null
          computed_cost: number | null
          cost_difference: number | null
          created_at: string | null
          id: string | null
          model: string | null
          price_source: string | null
          prompt_tokens: number | null
          provider: string | null
          provider_cost: number | null
          service_tier: string | null
        }
        Insert: {
          account_id?: string | null
          cache_creation_tokens?: number | null
          cached_tokens?: number | null
          completion_tokens?: number | null
          computed_cost?: number | null
          cost_difference?: number | null
          created_at?: string | null
          id?: string | null
          model?: string | null
          price_source?: string | null
          prompt_tokens?: number | null
          provider?: string | null
          provider_cost?: number | null
          service_tier?: string | null
        }
        Update: {
          account_id?: string | null
          cache_creation_tokens?: number | null
          cached_tokens?: number | null
          completion_tokens?: number | null
          computed_cost?: number | null
          cost_difference?: number | null
          created_at?: string | null
          id?: string | null
          model?: string | null
          price_source?: string | null
          prompt_tokens?: number | null
          provider?: string | null
          provider_cost?: number | null
          service_tier?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "llm_requests_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      llm_request_bodies: {
        Row: {
          account_id: string | null
          created_at: string | null
          id: string | null
          request_body: Json | null
          response_body: Json | null
        }
        Relationships: [
          {
            foreignKeyName: "llm_requests_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      mentor_repeated_questions: {
        Row: {
          account_id: string | null
          course_id: string | null
          first_asked_at: string | null
          last_asked_at: string | null
          latest_question: string | null
          question_hash: string | null
          students: number | null
          times_asked: number | null
          topic_id: string | null
        }
        Relationships: [
          {
            foreignKeyName: "ai_mentor_chats_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_course_id_fkey"
            columns: ["course_id"]
            isOneToOne: false
            referencedRelation: "courses"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_topic_id_fkey"
            columns: ["topic_id"]
            isOneToOne: false
            referencedRelation: "module_topics"
            referencedColumns: ["id"]
          },
        ]
      }
      mentor_review_queue: {
        Row: {
          account_id: string | null
          course_id: string | null
          created_at: string | null
          escalated_at: string | null
          escalated_to_trainer: boolean | null
          escalation_reason: string | null
          flagged_for_review: boolean | null
          id: string | null
          llm_request_id: string | null
          question: string | null
          rated_at: string | null
          response: string | null
          student_feedback: string | null
          student_rating: number | null
          topic_id: string | null
          user_id: string | null
        }
        Insert: {
          account_id?: string | null
          course_id?: string | null
          created_at?: string | null
          escalated_at?: string | null
          escalated_to_trainer?: boolean | null
          escalation_reason?: string | null
          flagged_for_review?: boolean | null
          id?: string | null
          llm_request_id?: string | null
          question?: string | null
          rated_at?: string | null
          response?: string | null
          student_feedback?: string | null
          student_rating?: number | null
          topic_id?: string | null
          user_id?: string | null
        }
        Update: {
          account_id?: string | null
          course_id?: string | null
          created_at?: string | null
          escalated_at?: string | null
          escalated_to_trainer?: boolean | null
          escalation_reason?: string | null
          flagged_for_review?: boolean | null
          id?: string | null
          llm_request_id?: string | null
          question?: string | null
          rated_at?: string | null
          response?: string | null
          student_feedback?: string | null
          student_rating?: number | null
          topic_id?: string | null
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "ai_mentor_chats_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_course_id_fkey"
            columns: ["course_id"]
            isOneToOne: false
            referencedRelation: "courses"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_topic_id_fkey"
            columns: ["topic_id"]
            isOneToOne: false
            referencedRelation: "module_topics"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "user_profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      mentor_variant_stats: {
        Row: {
          account_id: string | null
          avg_rating: number | null
          chats: number | null
          escalation_rate: number | null
          helpful_share: number | null
          p50_latency_ms: number | null
          p95_latency_ms: number | null
          prompt_variant_id: string | null
          rated_share: number | null
          total_cost_usd: number | null
          unpriced_chats: number | null
          variant_name: string | null
        }
        Relationships: [
          {
            foreignKeyName: "ai_mentor_chats_account_id_fkey"
            columns: ["account_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ai_mentor_chats_prompt_variant_id_fkey"
            columns: ["prompt_variant_id"]
            isOneToOne: false
            referencedRelation: "ai_prompt_variants"
            referencedColumns: ["id"]
          },
        ]
      }
      twin_interaction_stats: {
        Row: {
          dismissed_share: number | null
          helpful_share: number | null
          interaction_type: string | null
          interactions: number | null
          org_id: string | null
          total_cost_usd: number | null
          twin_role: string | null
          unpriced_interactions: number | null
        }
        Relationships: [
          {
            foreignKeyName: "employee_twin_interactions_org_id_fkey"
            columns: ["org_id"]
            isOneToOne: false
            referencedRelation: "accounts"
            referencedColumns: ["id"]
          },
        ]
      }
      user_profiles: {
        Row: {
          created_at: string | null
          email: string | null
          full_name: string | null
          id: string | null
          last_login_at: string | null
          status: string | null
          updated_at: string | null
        }
        Insert: {
          created_at?: string | null
          email?: string | null
          full_name?: string | null
          id?: string | null
          last_login_at?: string | null
          status?: string | null
          updated_at?: string | null
        }
        Update: {
          created_at?: string | null
          email?: string | null
          full_name?: string | null
          id?: string | null
          last_login_at?: string | null
          status?: string | null
          updated_at?: string | null
        }
        Relationships: []
      }
    }
    Functions: {
      accept_invitation: {
        Args: { token: string }
        Returns: {
          account_id: string
          created_at: string
          created_by: string | null
          id: string
          role_id: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "user_roles"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      assign_role: {
        Args: { account_id: string; role: string; user_id: string }
        Returns: {
          account_id: string
          created_at: string
          created_by: string | null
          id: string
          role_id: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "user_roles"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      create_account: {
        Args: { name: string; slug: string }
        Returns: {
          created_at: string
          id: string
          is_active: boolean | null
          name: string
          slug: string
          status: string
          subscription_tier: string
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "accounts"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      create_api_key: {
        Args: { account_id: string; name: string }
        Returns: {
          created_at: string
          id: string
          key: string
          prefix: string
        }[]
      }
      escalate_mentor_chat: {
        Args: { chat_id: string; reason: string }
        Returns: {
          account_id: string
          conversation_context: Json | null
          conversation_id: string | null
          cost_usd: number | null
          course_id: string | null
          created_at: string | null
          escalated_at: string | null
          escalated_to_trainer: boolean | null
          escalation_reason: string | null
          flagged_for_review: boolean | null
          id: string
          llm_request_id: string | null
          model: string
          prompt_variant_id: string | null
          question: string
          question_hash: string | null
          rated_at: string | null
          resolution: string | null
          resolved_at: string | null
          resolved_by: string | null
          response: string
          response_time_ms: number
          student_feedback: string | null
          student_rating: number | null
          tokens_used: number
          topic_id: string | null
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "ai_mentor_chats"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      get_ai_interactions: {
        Args: {
          account_id: string
          conversation_id?: string
          cursor?: string
          feature?: string
          from?: string
          limit?: number
          min_latency_ms?: number
          model?: string
          provider?: string
          status?: string
          to?: string
          user_id?: string
        }
        Returns: Database["public"]["CompositeTypes"]["ai_interaction_item"][]
        SetofOptions: {
          from: "*"
          to: "ai_interaction_item"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      invite_member: {
        Args: { account_id: string; email: string; role?: string }
        Returns: {
          expires_at: string
          id: string
          token: string
        }[]
      }
      llm_analytics: {
        Args: {
          account_id: string
          bucket?: string
          from: string
          group_by?: string
          to: string
        }
        Returns: {
          bucket_start: string
          cached_tokens: number
          completion_tokens: number
          cost: number
          error_rate: number
          errors: number
          group_value: string
          latency_avg_ms: number
          latency_p50_ms: number
          latency_p95_ms: number
          latency_p99_ms: number
          prompt_tokens: number
          reasoning_tokens: number
          requests: number
          success_rate: number
          successes: number
          total_tokens: number
          ttft_p50_ms: number
          ttft_p95_ms: number
          ttft_p99_ms: number
          unpriced_requests: number
        }[]
      }
      llm_error_patterns: {
        Args: {
          account_id: string
          from: string
          model?: string
          per_model?: number
          to: string
        }
        Returns: {
          error_code: string
          first_seen: string
          last_seen: string
          message: string
          model_name: string
          occurrences: number
        }[]
      }
      remove_member: {
        Args: { account_id: string; user_id: string }
        Returns: boolean
      }
      request_body: {
        Args: { "": Database["public"]["Tables"]["llm_requests"]["Row"] }
        Returns: {
          error: true
        } & "the function public.request_body with parameter or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache"
      }
      resolve_mentor_chat: {
        Args: { chat_id: string; resolution: string }
        Returns: {
          account_id: string
          conversation_context: Json | null
          conversation_id: string | null
          cost_usd: number | null
          course_id: string | null
          created_at: string | null
          escalated_at: string | null
          escalated_to_trainer: boolean | null
          escalation_reason: string | null
          flagged_for_review: boolean | null
          id: string
          llm_request_id: string | null
          model: string
          prompt_variant_id: string | null
          question: string
          question_hash: string | null
          rated_at: string | null
          resolution: string | null
          resolved_at: string | null
          resolved_by: string | null
          response: string
          response_time_ms: number
          student_feedback: string | null
          student_rating: number | null
          tokens_used: number
          topic_id: string | null
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "ai_mentor_chats"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      response_body: {
        Args: { "": Database["public"]["Tables"]["llm_requests"]["Row"] }
        Returns: {
          error: true
        } & "the function public.response_body with parameter or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache"
      }
      revoke_api_key: { Args: { id: string }; Returns: string }
      revoke_invitation: { Args: { id: string }; Returns: string }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      ai_interaction_item: {
        id: string | null
        timestamp: string | null
        account_id: string | null
        user_id: string | null
        status: string | null
        model_name: string | null
        provider: string | null
        latency_ms: number | null
        error_code: string | null
        error_message: string | null
        request: Json | null
        response: Json | null
        file_metadata: Json | null
        prompt_hash: string | null
        properties: Json | null
        conversation_id: string | null
        country: string | null
        llm_request_id: string | null
        next_cursor: string | null
      }
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {},
  },
} as const
