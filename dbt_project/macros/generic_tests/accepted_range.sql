{#-
    Fails with one row per value outside [min_value, max_value] (inclusive; either bound may be
    left out). Bounds are SQL expressions, e.g. "{{ date_var('log_start_date') }}".
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}

{% set lower_bound = min_value if min_value is not none else 'null' %}
{% set upper_bound = max_value if max_value is not none else 'null' %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} < coalesce({{ lower_bound }}, {{ column_name }})
    or {{ column_name }} > coalesce({{ upper_bound }}, {{ column_name }})

{% endtest %}
