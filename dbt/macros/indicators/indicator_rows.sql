{#- The engine behind every indicator macro: rows of the long indicator_values shape for one code.

    Events (`date_column` of `relation`, filtered by `where`) are counted per local day, scope
    (institution and/or district) and dimension member first, then summed over the periods of
    int_indicator_periods (day/month/year windows capped at as_of; cumulative = all history up
    to the day). A spine of period x scope x member zero-fills quiet institutions and members.

    measure: 'count' (value = events), 'distinct' (value = distinct `distinct_column`),
             'ratio' (value = 100 * events matching `numerator_where` / events, 4 decimals,
             only where the denominator is above 0). -#}
{% macro indicator_rows(
    code, relation, date_column, grains, measure='count', where=none, numerator_where=none,
    distinct_column=none, per_institution=false, dimensions=[]
) -%}
    {%- set string_type = dbt.type_string() -%}
    {%- set key_columns = [] -%}
    {%- for name in dimensions %}{% do key_columns.append('member_key_' ~ loop.index) %}{% endfor -%}
    {%- set carried = key_columns + ['distinct_value', 'in_numerator'] -%}
    {%- set slices = [none] + dimensions -%}
    with

    base as (
        select
            {{ date_column }} as event_date,
            {% if per_institution %}institution_code{% else %}cast(null as {{ string_type }}){% endif %} as institution_code,
            {%- for name in dimensions %}
            {{ indicator_dimension(name).key }} as member_key_{{ loop.index }},
            {%- endfor %}
            {% if distinct_column %}{{ distinct_column }}{% else %}cast(null as {{ string_type }}){% endif %} as distinct_value,
            {% if numerator_where %}case when {{ numerator_where }} then 1 else 0 end{% else %}1{% endif %} as in_numerator
        from {{ relation }}
        where {{ date_column }} is not null
            {%- if where %}
            and ({{ where }})
            {%- endif %}
    ),

    -- each event counts for its institution and for the district (institution_code NULL)
    scoped as (
        select * from base
        {%- if per_institution %}
        union all
        select event_date, cast(null as {{ string_type }}) as institution_code, {{ carried | join(', ') }}
        from base
        {%- endif %}
    ),

    periods as (
        select grain, period_start, range_start, range_end
        from {{ ref('int_indicator_periods') }}
        where grain in ('{{ grains | join("', '") }}')
    ),

    scopes as (
        {%- if per_institution %}
        select institution_code from {{ ref('dim_institutions') }}
        union all
        {%- endif %}
        select cast(null as {{ string_type }}) as institution_code
    ),

    {%- for slice in slices %}
    {%- set n = loop.index0 %}
    {%- set member_key = ('member_key_' ~ n) if slice else 'cast(null as ' ~ string_type ~ ')' %}

    daily_{{ n }} as (
        select
            event_date,
            institution_code,
            {{ member_key }} as member_key,
            {%- if measure == 'distinct' %}
            distinct_value
        from scoped
        group by event_date, institution_code, {{ member_key }}, distinct_value
            {%- else %}
            count(*) as events,
            sum(in_numerator) as numerator_events
        from scoped
        group by event_date, institution_code, {{ member_key }}
            {%- endif %}
    ),

    measured_{{ n }} as (
        select
            periods.grain,
            periods.period_start,
            daily.institution_code,
            {{ indicator_dimension(slice).member if slice else 'daily.member_key' }} as member,
            {%- if measure == 'distinct' %}
            count(distinct daily.distinct_value) as numerator,
            count(distinct daily.distinct_value) as denominator
            {%- else %}
            sum(daily.numerator_events) as numerator,
            sum(daily.events) as denominator
            {%- endif %}
        from daily_{{ n }} as daily
        inner join periods
            on daily.event_date >= periods.range_start
            and daily.event_date <= periods.range_end
        group by 1, 2, 3, 4
    ),

    filled_{{ n }} as (
        select
            spine.grain,
            spine.period_start,
            spine.institution_code,
            {% if slice %}'{{ slice }}'{% else %}cast(null as {{ string_type }}){% endif %} as dimension,
            spine.member,
            coalesce(measured.numerator, 0) as numerator,
            coalesce(measured.denominator, 0) as denominator
        from (
            select periods.grain, periods.period_start, scopes.institution_code, members.member
            from periods
            cross join scopes
            cross join (
                {% if slice %}{{ indicator_dimension(slice).members }}{% else %}select cast(null as {{ string_type }}) as member{% endif %}
            ) as members
        ) as spine
        left join measured_{{ n }} as measured
            on spine.grain = measured.grain
            and spine.period_start = measured.period_start
            and spine.institution_code is not distinct from measured.institution_code
            and spine.member is not distinct from measured.member
    ),
    {%- endfor %}

    filled as (
        {%- for slice in slices %}
        select * from filled_{{ loop.index0 }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    )

    select
        cast('{{ code }}' as {{ string_type }}) as indicator_code,
        cast(grain as {{ string_type }}) as grain,
        period_start,
        institution_code,
        dimension,
        cast(member as {{ string_type }}) as member,
        {%- if measure == 'ratio' %}
        cast(round(100 * cast(numerator as {{ type_double() }}) / denominator, 4) as {{ type_double() }}) as value,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(denominator as {{ type_double() }}) as denominator
        {%- else %}
        cast(numerator as {{ type_double() }}) as value,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(null as {{ type_double() }}) as denominator
        {%- endif %}
    from filled
    {%- if measure == 'ratio' %}
    where denominator > 0
    {%- endif %}
{%- endmacro %}
