{#-
    Fails with one row per non-null value not shaped like a geohash: by default the whole value
    matches var('geohash_regex') (lower-case letters and digits, 7 of them in the real and the
    generated data; the real ones are encrypted, so the alphabet is wider than base32's).
-#}
{% test geohash_shape(model, column_name, pattern=none) %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and not {{ full_match(column_name, pattern if pattern is not none else var('geohash_regex')) }}

{% endtest %}
