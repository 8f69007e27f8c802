{#-
    DuckDB's view materialization for a resumable build: a view is always created again (it
    costs nothing), and records its fingerprint (build_state.sql), so that a change of its SQL,
    its vars or its inputs reaches the fingerprints of the tables built from it.
-#}

{% materialization recorded_view, adapter='duckdb' %}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set fingerprint = build_fingerprint(compiled_code) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% if existing_relation is not none and not existing_relation.is_view %}
        {{ drop_relation_if_exists(existing_relation) }}
    {% endif %}
    {% call statement('main') %}
        create or replace view {{ target_relation }} as (
            {{ compiled_code }}
        )
    {% endcall %}
    {%- do record_fingerprint(this.identifier, fingerprint) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
