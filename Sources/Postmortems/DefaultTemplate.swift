/// The built-in post-mortem template: a copy of `templates/postmortem.md.mustache` (a test keeps them equal), used
/// when neither `--template` nor `./templates/postmortem.md.mustache` exists.
enum DefaultTemplate {
    static let text = #"""
        # Post-mortem: {{{incident.title}}}

        | | |
        |---|---|
        | Incident | {{{incident.id}}} |
        | Date | {{{incident.date}}} |
        | Status | {{{postmortem.status}}} |
        | Severity | {{{incident.severity}}} (highest: {{{metrics.highest_severity}}}) |
        | Commander | {{{incident.commander}}} |
        | Communications | {{{incident.communications}}} |
        | Scribe | {{{incident.scribe}}} |
        | Responders | {{{responders}}} |
        | Generated | {{{postmortem.generated_at}}} by Firebreak from the incident's store |

        ## Summary

        {{#incident.summary}}{{{incident.summary}}}

        {{/incident.summary}}
        _TODO (owner): in two or three sentences, what happened, who was affected and how it was fixed._

        ## Impact

        {{{incident.id}}} was open for {{{metrics.ttr}}}. Time spent in each severity:

        | Severity | Time |
        |---|---|
        {{#severity_time}}
        | {{{severity}}} | {{{duration}}} |
        {{/severity_time}}

        _TODO (owner): who and what was affected (users, requests, data, money), and for how long._

        ## Detection

        {{{detection}}}

        ## Trigger

        {{{trigger}}}

        _TODO (owner): confirm or correct the trigger above._

        ## Resolution

        {{{resolution}}}

        ## Paging

        {{#has_pages}}
        | Person | Level | Via | Methods | Paged at (UTC) | On call | Acknowledged |
        |---|---|---|---|---|---|---|
        {{/has_pages}}
        {{#pages}}
        | {{{person}}} | {{{level}}} | {{{via}}} | {{{methods}}} | {{{paged_at}}} | {{{on_call}}} | {{{acknowledged}}} |
        {{/pages}}
        {{^pages}}
        No person was paged: the escalation notified channels only, or someone acknowledged first.
        {{/pages}}

        ## Response metrics

        | Metric | Value |
        |---|---|
        | Time to acknowledge | {{{metrics.tta}}} |
        | Time to mitigate | {{{metrics.ttm}}} |
        | Time to resolve | {{{metrics.ttr}}} |
        | Escalations fired | {{{metrics.escalations}}} |
        | Notifications sent | {{{metrics.notifications_sent}}} |
        | Notifications failed | {{{metrics.notifications_failed}}} |
        | Runs | {{{metrics.runs}}} ({{{metrics.runs_failed}}} failed) |

        ### Milestones (UTC)

        | Milestone | Time | After trigger |
        |---|---|---|
        {{#milestones}}
        | {{{name}}} | {{{at}}} | {{{after}}} |
        {{/milestones}}

        ## Root causes and contributing factors

        _TODO (owner): the root causes, and the factors that made the incident possible or worse. Ask "why" until the answer is a change you can make._

        ## Lessons

        ### What went well

        _TODO (owner)_

        ### What went wrong

        _TODO (owner)_

        ### Where we got lucky

        _TODO (owner)_

        ## Action items

        | Type | Action | Owner | Status | Link |
        |---|---|---|---|---|
        {{#action_items}}
        | {{{type}}} | {{{text}}} | {{{owner}}} | {{{status}}} | {{{link}}} |
        {{/action_items}}
        {{^action_items}}
        | | _TODO: add with `firebreak postmortem action add {{{incident.id}}} --type prevent --owner NAME "text"`_ | | | |
        {{/action_items}}

        ## Supporting information

        ### Timeline (UTC)

        | Time | Event | By |
        |---|---|---|
        {{{timeline_rows}}}
        ### Runs

        {{#runs}}
        #### {{{id}}}: {{{runbook}}} ({{{status}}}, {{{duration}}})

        | Step | Status | Attempts | Exit | Duration |
        |---|---|---|---|---|
        {{#steps}}
        | {{{name}}} | {{{status}}} | {{{attempts}}} | {{{exit_code}}} | {{{duration}}} |
        {{/steps}}
        {{#steps}}
        {{#output}}

        Output of `{{{name}}}` (last lines, redacted):

        {{{output}}}
        {{/output}}
        {{/steps}}

        {{/runs}}
        {{^runs}}
        No runbook ran for this incident.

        {{/runs}}
        ### Backups, restores and drills

        {{#modules}}
        - {{{text}}}
        {{/modules}}
        {{^modules}}
        No module results are recorded for this incident's runs.
        {{/modules}}

        ### Alerts

        {{#alerts}}
        - **{{{name}}}** from {{{source}}}: {{{status}}}, fired {{{fired}}} time(s), first {{{first_seen}}}, last {{{last_seen}}}{{#labels}}; labels {{{labels}}}{{/labels}}{{#url}}; [source]({{{url}}}){{/url}}
        {{/alerts}}
        {{^alerts}}
        No alerts are attached to this incident.
        {{/alerts}}
        """#
}
