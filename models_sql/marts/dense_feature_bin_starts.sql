{#- dense_feature_bins as one row: <feature>_bin_starts, the ascending lower bounds of the
    feature's buckets, which the exports cross join to turn each value into its bucket id. -#}

{%- set dense_columns = export_dense_columns(ref('samples')) %}

with

bins as (

    select * from {{ ref('dense_feature_bins') }}

),

final as (

    select
        {%- for column in dense_columns %}
        {{ tianchi_sorted_list("case when feature_name = '" ~ column ~ "' then lower_bound end") }}
            as {{ column }}_bin_starts{{ "," if not loop.last }}
        {%- else %}
        null as placeholder
        {%- endfor %}

    from bins

)

select * from final
