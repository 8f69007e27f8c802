{#-
    Seeds on Spark: dbt-spark binds the values of a seed's insert as `%s` parameters, which its
    session method formats into the SQL without quotes, so a text value breaks the statement
    (calibration_targets has text columns). This project's version (dispatch search order in
    dbt_project.yml puts the project first) writes every value as a SQL literal instead, which
    every connection method accepts.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ spark_sql_literal(row[loop.index0]) }} as {{ type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}


{#- A seed value as a Spark SQL literal (Spark string literals unescape backslashes). -#}
{% macro spark_sql_literal(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- elif value is number and value is not boolean -%}
        {{ return(value | string) }}
    {%- elif value is boolean -%}
        {{ return('true' if value else 'false') }}
    {%- endif -%}
    {{ return("'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'") }}
{% endmacro %}
