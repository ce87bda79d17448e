{#- One row per quarantined record, for the data-quality report. A record quarantined twice
    at the same place (e.g. for two reasons) keeps both rows, told apart by a sequence number. -#}
with

quarantine as (

    select * from {{ ref('stg_quality__quarantine') }}

),

numbered as (

    select
        *,
        row_number() over (
            partition by source, institution_code, partition_date, source_file, source_position, entity
            order by reason, raw_excerpt
        ) as record_sequence
    from quarantine

)

select
    {{ dbt.concat([
        'source', "'|'", "coalesce(institution_code, 'district')", "'|'",
        'cast(partition_date as ' ~ dbt.type_string() ~ ')', "'|'", "coalesce(source_file, '')", "'|'",
        'cast(coalesce(source_position, -1) as ' ~ dbt.type_string() ~ ')', "'|'", "coalesce(entity, '')", "'|'",
        'cast(record_sequence as ' ~ dbt.type_string() ~ ')',
    ]) }} as quarantined_record_key,
    source,
    institution_code,
    partition_date,
    source_file,
    source_position,
    entity,
    reason,
    raw_excerpt
from numbered
