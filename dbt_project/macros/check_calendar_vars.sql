{#-
    on-run-start (dbt_project.yml): stop before any model runs when the calendar vars do not fit
    together, naming each var at fault, its value, its valid range and a value that fits, instead of
    a data test failing later ("Got 24 results") or an export left empty. The rules:
      - every date var is a day YYYY-MM-DD;
      - log_start_date <= log_end_date, and predict_label_date = log_end_date + 1 (the logs end the
        day before the day to predict);
      - a label day's cutoff (the day before it) lies in the logs, and the days come in order:
        log_start_date < train_label_start_date <= train_label_end_date < eval_label_date
        <= log_end_date < predict_label_date;
      - train_excluded_label_dates are training label days, and leave at least one;
      - sale_dates and sale_peak_date lie in the logs, and the peak is one of the sale days;
      - calibration_history_days >= 0 leaves at least one calibration label day;
      - candidate_lookback_days, sequence_lookback_days, sequence_length are whole numbers >= 1;
      - feature_windows is a list of whole numbers >= 1, in increasing order, none repeated.
    Every problem is listed at once. Runs for the commands that build (run, build, test, retry).
    Returns no SQL.
-#}

{% macro check_calendar_vars() %}
    {%- set builds = flags.WHICH in ['run', 'build', 'test', 'retry'] -%}
    {%- if execute and builds -%}
        {%- set problems = calendar_var_problems() -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                "The calendar vars do not fit together (dbt_project.yml, or --vars on the command line):\n"
                ~ (problems | join('\n'))
                ~ "\nSet each one inside its range, e.g. --vars '{"
                ~ problems_fixes(problems) ~ "}' (for python -m runner, in dbt_project.yml; "
                ~ "see docs/guide/features.md#the-label-calendar)."
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- The problems with the calendar vars, one line each ("  - var <name> = ...; fix: <name>: <value>"). -#}
{% macro calendar_var_problems() %}
    {%- set problems = [] -%}
    {%- set day = {} -%}
    {%- set one_day = modules.datetime.timedelta(days=1) -%}
    {%- for name in ['log_start_date', 'log_end_date', 'predict_label_date', 'train_label_start_date',
                     'train_label_end_date', 'eval_label_date', 'sale_peak_date'] -%}
        {%- set parsed = calendar_day(var(name)) -%}
        {%- if parsed is none -%}
            {%- do problems.append(calendar_problem(name, var(name), 'not a day written YYYY-MM-DD', none)) -%}
        {%- else -%}
            {%- do day.update({name: parsed}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set start, end = day.get('log_start_date'), day.get('log_end_date') -%}
    {%- if start is not none and end is not none and end < start -%}
        {%- do problems.append(calendar_problem('log_end_date', end, 'before log_start_date ' ~ start,
                                                [start, none])) -%}
        {%- set end = none -%}
    {%- endif -%}

    {%- if start is not none and end is not none -%}
        {%- set log_text = 'the logs run from log_start_date ' ~ start ~ ' to log_end_date ' ~ end -%}
        {%- if 'predict_label_date' in day and day['predict_label_date'] != end + one_day -%}
            {%- do problems.append(calendar_problem(
                'predict_label_date', day['predict_label_date'],
                'must be the day after log_end_date (' ~ log_text ~ '; the submission is for the next day)',
                [end + one_day, end + one_day])) -%}
        {%- endif -%}

        {%- set train_start = day.get('train_label_start_date') -%}
        {%- set train_end = day.get('train_label_end_date') -%}
        {%- set eval_day = day.get('eval_label_date') -%}
        {%- set why = 'a label day\'s cutoff, the day before it, must lie in the logs (' ~ log_text ~ ')' -%}
        {%- if eval_day is not none -%}
            {%- set low = [start + one_day, (train_end or start) + one_day] | max -%}
            {%- if not (low <= eval_day <= end) -%}
                {%- do problems.append(calendar_problem(
                    'eval_label_date', eval_day,
                    why ~ ', its labels too, and it comes after train_label_end_date', [low, end])) -%}
            {%- endif -%}
        {%- endif -%}
        {%- set last_train = [(eval_day or end + one_day), end + one_day] | min - one_day -%}
        {%- if train_start is not none -%}
            {%- set high = [train_end or last_train, last_train] | min -%}
            {%- if not (start + one_day <= train_start <= high) -%}
                {%- do problems.append(calendar_problem(
                    'train_label_start_date', train_start,
                    why ~ ', and training comes before eval_label_date', [start + one_day, high])) -%}
            {%- endif -%}
        {%- endif -%}
        {%- if train_end is not none -%}
            {%- set low = [train_start or start + one_day, start + one_day] | max -%}
            {%- if not (low <= train_end <= last_train) -%}
                {%- do problems.append(calendar_problem(
                    'train_label_end_date', train_end,
                    'must be on or after train_label_start_date and before eval_label_date (' ~ log_text ~ ')',
                    [low, last_train])) -%}
            {%- endif -%}
        {%- endif -%}

        {%- set excluded = calendar_day_list('train_excluded_label_dates', problems) -%}
        {%- if train_start is not none and train_end is not none and train_start <= train_end -%}
            {%- for excluded_day in excluded if not (train_start <= excluded_day <= train_end) -%}
                {%- do problems.append(calendar_problem(
                    'train_excluded_label_dates', excluded_day,
                    'not a training label day (train_label_start_date .. train_label_end_date)',
                    [train_start, train_end])) -%}
            {%- endfor -%}
            {%- set training_days = (train_end - train_start).days + 1 -%}
            {%- if excluded | unique | list | length >= training_days -%}
                {%- do problems.append(calendar_problem(
                    'train_excluded_label_dates', excluded | join(', '),
                    'leaves no training label day', none)) -%}
            {%- endif -%}
        {%- endif -%}

        {%- set sale_days = calendar_day_list('sale_dates', problems) -%}
        {%- for sale_day in sale_days if not (start <= sale_day <= end) -%}
            {%- do problems.append(calendar_problem('sale_dates', sale_day, 'not a day of the logs',
                                                    [start, end])) -%}
        {%- endfor -%}
        {%- set peak = day.get('sale_peak_date') -%}
        {%- if peak is not none and not (start <= peak <= end) -%}
            {%- do problems.append(calendar_problem('sale_peak_date', peak, 'not a day of the logs',
                                                    [start, end])) -%}
        {%- elif peak is not none and sale_days and peak not in sale_days -%}
            {%- do problems.append(calendar_problem('sale_peak_date', peak, 'not one of sale_dates ('
                                                    ~ (sale_days | join(', ')) ~ ')', none)) -%}
        {%- endif -%}

        {%- set history = var('calibration_history_days') -%}
        {%- set log_days = (end - start).days -%}
        {%- if not calendar_whole_number(history) or history | int < 0 or history | int > log_days -%}
            {%- do problems.append(calendar_problem(
                'calibration_history_days', history,
                'must be a whole number of days that leaves a calibration label day in the logs',
                [0, log_days])) -%}
        {%- endif -%}
    {%- endif -%}

    {%- for name in ['candidate_lookback_days', 'sequence_lookback_days', 'sequence_length'] -%}
        {%- set value = var(name) -%}
        {%- if not calendar_whole_number(value) or value | int < 1 -%}
            {%- do problems.append(calendar_problem(name, value, 'must be a whole number, 1 or more',
                                                    [1, none])) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set windows = var('feature_windows') -%}
    {%- if windows is iterable and windows is not string and windows | length > 0 -%}
        {%- set bad = [] -%}
        {%- for window in windows if not calendar_whole_number(window) or window | int < 1 -%}
            {%- do bad.append(window) -%}
            {%- do problems.append(calendar_problem('feature_windows', windows,
                                                    'holds ' ~ window ~ ', not a whole number of days >= 1',
                                                    none)) -%}
        {%- endfor -%}
        {%- set numbers = windows | map('int') | list -%}
        {%- if not bad and numbers != numbers | unique | sort | list -%}
            {%- do problems.append(calendar_problem(
                'feature_windows', windows, 'must be in increasing order with none repeated, e.g. '
                ~ (numbers | unique | sort | list), none)) -%}
        {%- endif -%}
    {%- else -%}
        {%- do problems.append(calendar_problem('feature_windows', windows,
                                                'must be a list of window lengths in days, e.g. [1, 3, 7]',
                                                none)) -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}


{#- One problem line. `bounds` is [low, high] (either may be none: open), or none when no range applies. -#}
{% macro calendar_problem(name, value, problem, bounds) %}
    {%- set line = '  - var ' ~ name ~ ' = ' ~ value ~ ': ' ~ problem -%}
    {%- if bounds is not none -%}
        {%- set low, high = bounds -%}
        {%- set line = line ~ '; valid range: [' ~ (low if low is not none else '') ~ ', '
            ~ (high if high is not none else '') ~ ']' -%}
        {%- set nearest = low if low is not none else high -%}
        {%- if high is not none and value is not string and value > high -%}
            {%- set nearest = high -%}
        {%- endif -%}
        {%- if nearest is not none -%}
            {%- set line = line ~ '; fix: ' ~ name ~ ': ' ~ nearest -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(line) }}
{% endmacro %}


{#- The "name: value" fixes of the problem lines, joined for a --vars example. -#}
{% macro problems_fixes(problems) %}
    {%- set fixes = [] -%}
    {%- for problem in problems if '; fix: ' in problem -%}
        {%- set fix = problem.split('; fix: ')[-1] -%}
        {%- if fix not in fixes -%}
            {%- do fixes.append(fix) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return((fixes | join(', ')) if fixes else 'name: value') }}
{% endmacro %}


{#- A YYYY-MM-DD value (a string, or a date from yaml) as a date, or none when it is no such day. -#}
{% macro calendar_day(value) %}
    {%- set match = modules.re.match('^([0-9]{4})-([0-9]{2})-([0-9]{2})$', (value | string).strip()) -%}
    {%- if not match -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set year, month, day_of_month = match.group(1) | int, match.group(2) | int, match.group(3) | int -%}
    {%- if year < 1 or not (1 <= month <= 12) or not (1 <= day_of_month <= 31) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set parsed = modules.datetime.date(year, month, 1)
        + modules.datetime.timedelta(days=day_of_month - 1) -%}
    {{ return(parsed if parsed.month == month else none) }}
{% endmacro %}


{#- A list-of-days var as a list of dates (a lone day is a list of one); a bad element is a problem. -#}
{% macro calendar_day_list(name, problems) %}
    {%- set values = var(name) -%}
    {%- if values is none -%}
        {%- set values = [] -%}
    {%- elif values is string or values is not iterable -%}
        {%- set values = [values] -%}
    {%- endif -%}
    {%- set days = [] -%}
    {%- for value in values -%}
        {%- set parsed = calendar_day(value) -%}
        {%- if parsed is none -%}
            {%- do problems.append(calendar_problem(name, value, 'not a day written YYYY-MM-DD', none)) -%}
        {%- else -%}
            {%- do days.append(parsed) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(days) }}
{% endmacro %}


{% macro calendar_whole_number(value) %}
    {{ return(value is not none and value is not boolean
              and modules.re.match('^[0-9]+$', (value | string).strip()) is not none) }}
{% endmacro %}
