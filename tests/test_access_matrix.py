"""Role x endpoint matrix: every page and API endpoint has an access rule, and it holds.

Adding a URL without a rule here fails test_every_url_has_a_rule; a view that lets
the wrong role in (or keeps the right one out) fails the request matrix.
"""

import datetime
import json
import uuid

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from lethe.accounts import tokens
from lethe.accounts.access import PUBLIC, SIGNED_IN
from lethe.accounts.models import RoleGrant, Team, User
from lethe.activities.actions import create_activity
from lethe.api import api
from lethe.attachments import actions as attachments
from lethe.attachments.registry import resolve as attachment_record
from lethe.companies.models import Company
from lethe.consent.models import MarketingList
from lethe.contacts.actions import create_contact
from lethe.customfields.models import CustomField
from lethe.deals.actions import create_pipeline, create_stage
from lethe.deals.models import Deal, Stage
from lethe.dsr import register, store
from lethe.purposes.models import ManualEntry
from lethe.purposes.models import Purpose as PurposeRecord
from lethe.retention.models import Policy as RetentionPolicy
from lethe.vault.policy import Actor, Purpose, Role
from tests.conftest import ALL
from tests.dsr.rights_ids import IDS as RIGHTS_IDS
from tests.dsr.rights_ids import rights_ids
from tests.helpers import passed_second_factor, reauthenticate

AUDIT = frozenset({Role.AUDITOR, Role.DPO})
CRM = frozenset({Role.SALES, Role.SUPPORT, Role.MARKETING, Role.FINANCE, Role.DPO})
CRM_WRITE = frozenset({Role.SALES, Role.SUPPORT})
DEALS = frozenset({Role.SALES, Role.SUPPORT, Role.FINANCE, Role.DPO})
DEALS_WRITE = frozenset({Role.SALES})
FIELDS_READ = CRM | {Role.ADMIN}
ADMIN = frozenset({Role.ADMIN})
DPO = frozenset({Role.DPO})
RETENTION_READ = frozenset({Role.DPO, Role.AUDITOR})
GLASS_REASON = "Matrix: reading a person outside any case, for a test"
PRIVACY_READ = frozenset({Role.ADMIN, Role.DPO, Role.AUDITOR})
PRIVACY_EDIT = frozenset({Role.ADMIN, Role.DPO})
NEW_PURPOSE = {
    "key": "matrix_purpose",
    "name": "Matrix purpose",
    "description": "Testing the access rules.",
    "legal_basis": "legitimate_interests",
    "legitimate_interest": "Checking who may do what.",
    "subject_categories": ["testers"],
    "data_categories": ["user.name"],
    "recipients": ["nobody"],
    "retention": "One month.",
    "retention_months": 1,
    "security_measures": "Encryption.",
    "provision": "Voluntary.",
}
FINANCE = frozenset({Role.FINANCE})
DSR_IDS = ("dsr_request", "dsr_page", "dsr_refuse", "dsr_close", "dsr_page_close")
MARKETING = frozenset({Role.MARKETING})
LIST_MEMBERS = frozenset({Role.MARKETING, Role.SALES})


# url name -> (method, path, rule, JSON body, status when allowed). Requests run in this
# order, so the ones that end something (delete, log-out) come last.
MATRIX = {
    "home": ("get", "/", SIGNED_IN, None, 200),
    "healthz": ("get", "/healthz", PUBLIC, None, 200),
    "login": ("get", "/login/", PUBLIC, None, 200),
    "audit:events": ("get", "/audit/", AUDIT, None, 200),
    "audit:export": ("get", "/audit/export.csv", AUDIT, None, 200),
    "companies:list": ("get", "/companies/", CRM, None, 200),
    "companies:detail": ("get", "/companies/{company}/", CRM, None, 200),
    "contacts:list": ("get", "/contacts/", CRM, None, 200),
    "contacts:detail": ("get", "/contacts/{contact}/", CRM, None, 200),
    "customfields:list": ("get", "/settings/custom-fields/", ADMIN, None, 200),
    "customfields:archive": ("post", "/settings/custom-fields/{field}/archive/", ADMIN, None, 302),
    "customfields:delete": ("post", "/settings/custom-fields/{field}/delete/", ADMIN, None, 302),
    "deals:list": ("get", "/deals/", DEALS, None, 200),
    "deals:detail": ("get", "/deals/{deal}/", DEALS, None, 200),
    "deals:create": ("post", "/deals/new/", DEALS_WRITE, {"title": "Matrix new"}, 302),
    "deals:edit": ("get", "/deals/{deal}/edit/", DEALS_WRITE, None, 200),
    "deals:contacts": ("get", "/deals/{deal}/contacts/", DEALS_WRITE, None, 200),
    "deals:move": ("post", "/deals/{deal}/move/", DEALS_WRITE, {"stage": "{deal_stage}"}, 302),
    "deals:archive": ("post", "/deals/{deal}/archive/", DEALS_WRITE, None, 302),
    "deals:restore": ("post", "/deals/{deal}/restore/", DEALS_WRITE, None, 302),
    "deals:board-first": ("get", "/deals/board/", DEALS, None, 302),
    "deals:board": ("get", "/deals/board/{pipeline}/", DEALS, None, 200),
    "deals:pipelines": ("post", "/deals/pipelines/", ADMIN, {"name": "Matrix pipeline"}, 302),
    "deals:pipeline": ("get", "/deals/pipelines/{pipeline}/", ADMIN, None, 200),
    "deals:stage-create": (
        "post",
        "/deals/pipelines/{pipeline}/stages/",
        ADMIN,
        {"name": "Matrix stage"},
        302,
    ),
    "deals:stage": ("post", "/deals/stages/{stage}/", ADMIN, {"probability": "50"}, 302),
    "deals:stage-delete": ("post", "/deals/stages/{stage}/delete/", ADMIN, None, 302),
    "deals:pipeline-delete": ("post", "/deals/pipelines/{pipeline}/delete/", ADMIN, None, 302),
    "imports:page": ("get", "/imports/", CRM_WRITE, None, 200),
    "retention:overview": ("get", "/console/retention/", RETENTION_READ, None, 200),
    "retention:edit": (
        "post",
        "/console/retention/{policy}/",
        DPO,
        {"months": "30", "enabled": "on"},
        302,
    ),
    "attachments:upload": ("post", "/attachments/company/{company}/", CRM_WRITE, None, 400),
    "attachments:download": (
        "get",
        "/attachments/company/{company}/{attachment}/",
        CRM,
        None,
        200,
    ),
    "attachments:delete": (
        "post",
        "/attachments/company/{company}/{spare}/delete/",
        CRM_WRITE,
        None,
        303,
    ),
    "api:api-root": ("get", "/api/v1/", PUBLIC, None, 404),  # django-ninja's index: 404
    "api:openapi-json": ("get", "/api/v1/openapi.json", SIGNED_IN, None, 200),
    "api:openapi-view": ("get", "/api/v1/docs", SIGNED_IN, None, 200),
    "api:list_events": ("get", "/api/v1/audit/events", AUDIT, None, 200),
    "api:export_events": ("get", "/api/v1/audit/events.csv", AUDIT, None, 200),
    "api:chain_status": ("get", "/api/v1/audit/status", AUDIT, None, 200),
    "api:list_companies": ("get", "/api/v1/companies", CRM, None, 200),
    "api:export_companies": ("get", "/api/v1/companies/export.csv", CRM, None, 200),
    "api:create_company": ("post", "/api/v1/companies", CRM_WRITE, {"name": "New AB"}, 201),
    "api:read_company": ("get", "/api/v1/companies/{company}", CRM, None, 200),
    "api:update_company": (
        "patch",
        "/api/v1/companies/{company}",
        CRM_WRITE,
        {"city": "Umeå"},
        200,
    ),
    "api:company_history": ("get", "/api/v1/companies/{company}/history", CRM, None, 200),
    "api:archive_company": ("post", "/api/v1/companies/{company}/archive", CRM_WRITE, None, 200),
    "api:restore_company": ("post", "/api/v1/companies/{company}/restore", CRM_WRITE, None, 200),
    "api:list_contacts": ("get", "/api/v1/contacts", CRM, None, 200),
    "api:export_contacts": ("get", "/api/v1/contacts/export.csv", CRM, None, 200),
    "api:create_contact": ("post", "/api/v1/contacts", CRM_WRITE, {"last_name": "Matrix"}, 201),
    "api:read_contact": ("get", "/api/v1/contacts/{contact}", CRM, None, 200),
    "api:update_contact": (
        "patch",
        "/api/v1/contacts/{contact}",
        CRM_WRITE,
        {"stage": "customer"},
        200,
    ),
    "api:contact_history": ("get", "/api/v1/contacts/{contact}/history", CRM, None, 200),
    "api:archive_contact": ("post", "/api/v1/contacts/{contact}/archive", CRM_WRITE, None, 200),
    "api:restore_contact": ("post", "/api/v1/contacts/{contact}/restore", CRM_WRITE, None, 200),
    "api:list_attachments": ("get", "/api/v1/attachments/company/{company}", CRM, None, 200),
    "api:upload_attachment": ("post", "/api/v1/attachments/company/{company}", CRM_WRITE, {}, 400),
    "api:download_attachment": (
        "get",
        "/api/v1/attachments/company/{company}/{attachment}",
        CRM,
        None,
        200,
    ),
    "api:delete_attachment": (
        "delete",
        "/api/v1/attachments/company/{company}/{attachment}",
        CRM_WRITE,
        None,
        204,
    ),
    "api:list_pipelines": ("get", "/api/v1/deals/pipelines", DEALS, None, 200),
    "api:list_deals": ("get", "/api/v1/deals", DEALS, None, 200),
    "api:create_deal": ("post", "/api/v1/deals", DEALS_WRITE, {"title": "New deal"}, 201),
    "api:read_deal": ("get", "/api/v1/deals/{deal}", DEALS, None, 200),
    "api:update_deal": ("patch", "/api/v1/deals/{deal}", DEALS_WRITE, {"title": "Renamed"}, 200),
    "api:archive_deal": ("post", "/api/v1/deals/{deal}/archive", DEALS_WRITE, None, 200),
    "activities:tasks": ("get", "/activities/tasks/", CRM, None, 200),
    "activities:log": ("get", "/activities/contact/{contact}/log/", CRM_WRITE, None, 200),
    "activities:complete": ("post", "/activities/{activity}/done/", CRM_WRITE, None, 303),
    "api:list_activities": ("get", "/api/v1/activities", CRM, None, 200),
    "api:create_activity": (
        "post",
        "/api/v1/activities",
        CRM_WRITE,
        {"kind": "note", "company": "{company}", "body": "Matrix"},
        201,
    ),
    "api:read_activity": ("get", "/api/v1/activities/{activity}", CRM, None, 200),
    "api:update_activity": (
        "patch",
        "/api/v1/activities/{activity}",
        CRM_WRITE,
        {"due_date": "2030-01-02"},
        200,
    ),
    "api:complete_activity": (
        "post",
        "/api/v1/activities/{activity}/complete",
        CRM_WRITE,
        None,
        200,
    ),
    "api:reopen_activity": ("post", "/api/v1/activities/{activity}/reopen", CRM_WRITE, None, 200),
    "api:archive_activity": ("post", "/api/v1/activities/{activity}/archive", CRM_WRITE, None, 200),
    "api:restore_activity": ("post", "/api/v1/activities/{activity}/restore", CRM_WRITE, None, 200),
    "api:delete_activity": ("delete", "/api/v1/activities/{activity}", CRM_WRITE, None, 204),
    "api:restore_deal": ("post", "/api/v1/deals/{deal}/restore", DEALS_WRITE, None, 200),
    "api:deal_history": ("get", "/api/v1/deals/{deal}/history", DEALS, None, 200),
    "api:list_custom_fields": ("get", "/api/v1/custom-fields", FIELDS_READ, None, 200),
    "api:create_custom_field": (
        "post",
        "/api/v1/custom-fields",
        ADMIN,
        {"entity": "deal", "key": "region", "label": "Region", "type": "text"},
        201,
    ),
    "api:update_custom_field": (
        "patch",
        "/api/v1/custom-fields/{field}",
        ADMIN,
        {"label": "Nivå"},
        200,
    ),
    "api:archive_custom_field": ("post", "/api/v1/custom-fields/{field}/archive", ADMIN, None, 200),
    "api:restore_custom_field": ("post", "/api/v1/custom-fields/{field}/restore", ADMIN, None, 200),
    "api:delete_custom_field": ("delete", "/api/v1/custom-fields/{field}", ADMIN, None, 204),
    "api:create_pipeline": ("post", "/api/v1/deals/pipelines", ADMIN, {"name": "API"}, 201),
    "api:update_pipeline": (
        "patch",
        "/api/v1/deals/pipelines/{api_pipeline}",
        ADMIN,
        {"position": 0},
        200,
    ),
    "api:create_stage": (
        "post",
        "/api/v1/deals/pipelines/{api_pipeline}/stages",
        ADMIN,
        {"name": "API stage"},
        201,
    ),
    "api:update_stage": (
        "patch",
        "/api/v1/deals/stages/{api_stage}",
        ADMIN,
        {"probability": 40},
        200,
    ),
    "api:delete_stage": ("delete", "/api/v1/deals/stages/{api_stage}", ADMIN, None, 204),
    "api:delete_pipeline": ("delete", "/api/v1/deals/pipelines/{api_pipeline}", ADMIN, None, 204),
    # Forms, search, merge (the forms branch).
    "companies:create": ("get", "/companies/new/", CRM_WRITE, None, 200),
    "companies:edit": ("get", "/companies/{company}/edit/", CRM_WRITE, None, 200),
    "companies:archive": ("post", "/companies/{company}/archive/", CRM_WRITE, None, 303),
    "companies:restore": ("post", "/companies/{company}/restore/", CRM_WRITE, None, 303),
    "contacts:create": ("get", "/contacts/new/", CRM_WRITE, None, 200),
    "contacts:edit": ("get", "/contacts/{contact}/edit/", CRM_WRITE, None, 200),
    "contacts:archive": ("post", "/contacts/{contact}/archive/", CRM_WRITE, None, 303),
    "contacts:restore": ("post", "/contacts/{contact}/restore/", CRM_WRITE, None, 303),
    # Nobody here may read the matrix contact's personal data, so nobody may merge it.
    "contacts:merge": ("get", "/contacts/{contact}/merge/", CRM_WRITE, None, 403),
    "api:merge_contact": ("post", "/api/v1/contacts/{contact}/merge", CRM_WRITE, {"from": 0}, 400),
    "search": ("get", "/search/", CRM, None, 200),
    # Nobody in the matrix owns the matrix contact: deleting it (an erasure) is refused.
    "api:delete_contact": ("delete", "/api/v1/contacts/{contact}", CRM_WRITE, None, 403),
    "contacts:delete": (
        "post",
        "/contacts/{contact}/delete/",
        CRM_WRITE,
        {"confirm": "DELETE"},
        403,
    ),
    "api:delete_deal": ("delete", "/api/v1/deals/{deal}", DEALS_WRITE, None, 204),
    "api:delete_company": ("delete", "/api/v1/companies/{company}", CRM_WRITE, None, 204),
    # Users, teams and tokens (the teams branch). The matrix's clients have just
    # confirmed their password, so re-authentication does not get in the way here.
    "reauth": ("get", "/reauth/", SIGNED_IN, None, 302),  # fresh: straight on to "/"
    "accounts:users": ("get", "/settings/users/", ADMIN, None, 200),
    "accounts:user-roles": ("get", "/settings/users/{member}/roles/", ADMIN, None, 200),
    "accounts:user-deactivate": ("get", "/settings/users/{member}/deactivate/", ADMIN, None, 200),
    "accounts:user-reactivate": ("post", "/settings/users/{member}/reactivate/", ADMIN, None, 302),
    "accounts:teams": ("get", "/settings/teams/", ADMIN, None, 200),
    "accounts:team": ("get", "/settings/teams/{page_team}/", ADMIN, None, 200),
    "accounts:team-member-remove": (
        "post",
        "/settings/teams/{page_team}/members/{member}/remove/",
        ADMIN,
        None,
        302,
    ),
    "accounts:team-delete": ("post", "/settings/teams/{page_team}/delete/", ADMIN, None, 302),
    "accounts:tokens": ("get", "/settings/tokens/", ADMIN, None, 200),
    "accounts:token-revoke": ("post", "/settings/tokens/{token}/revoke/", ADMIN, None, 302),
    "api:list_teams": ("get", "/api/v1/teams", ADMIN, None, 200),
    "api:create_team": ("post", "/api/v1/teams", ADMIN, {"name": "Matrix team"}, 201),
    "api:rename_team": ("patch", "/api/v1/teams/{team}", ADMIN, {"name": "Matrix renamed"}, 200),
    "api:add_team_member": ("put", "/api/v1/teams/{team}/members/{member}", ADMIN, None, 200),
    "api:remove_team_member": (
        "delete",
        "/api/v1/teams/{team}/members/{member}",
        ADMIN,
        None,
        200,
    ),
    "api:delete_team": ("delete", "/api/v1/teams/{team}", ADMIN, None, 204),
    # Data-subject requests: the register (the dsr-register branch). Every row gives the
    # same status whether it runs after the rows before it or alone (tests/security).
    "console:home": ("get", "/console/", DPO, None, 200),
    "console:requests": ("get", "/console/requests/", DPO, None, 200),
    "console:request-new": ("get", "/console/requests/new/", DPO, None, 200),
    "console:request": ("get", "/console/requests/{dsr_page}/", DPO, None, 200),
    "console:verify": (
        "post",
        "/console/requests/{dsr_page}/verify/",
        DPO,
        {"method": "bankid"},
        303,
    ),
    "console:assign": ("post", "/console/requests/{dsr_page}/assign/", DPO, {}, 303),
    "console:locate": ("post", "/console/requests/{dsr_page}/locate/", DPO, {}, 303),
    "console:confirm": ("post", "/console/requests/{dsr_page}/confirm/", DPO, {}, 400),
    "console:extend": (
        "post",
        "/console/requests/{dsr_page}/extend/",
        DPO,
        {"months": "1", "reason": "Matrix", "told_on": "{today}"},
        303,
    ),
    "console:resume": ("post", "/console/requests/{dsr_page}/resume/", DPO, {}, 400),  # not waiting
    "console:wait": ("post", "/console/requests/{dsr_page}/wait/", DPO, {}, 303),
    "console:refuse": ("post", "/console/requests/{dsr_page}/refuse/", DPO, {}, 400),  # no reason
    "console:fulfil": ("get", "/console/requests/{dsr_page}/fulfil/", DPO, None, 200),
    "console:close": ("post", "/console/requests/{dsr_page_close}/close/", DPO, {}, 303),
    "console:enter-case": ("post", "/console/requests/{dsr_page}/case/", DPO, None, 303),
    "console:leave-case": ("post", "/console/case/leave/", DPO, None, 303),
    "api:list_requests": ("get", "/api/v1/dsr", DPO, None, 200),
    "api:create_request": (
        "post",
        "/api/v1/dsr",
        DPO,
        {"kind": "access", "identified_by": "email", "email": "matrix@example.org"},
        201,
    ),
    "api:read_request": ("get", "/api/v1/dsr/{dsr_request}", DPO, None, 200),
    "api:verify_request": (
        "post",
        "/api/v1/dsr/{dsr_request}/verify",
        DPO,
        {"method": "bankid"},
        200,
    ),
    "api:assign_request": ("post", "/api/v1/dsr/{dsr_request}/assign", DPO, {}, 200),
    "api:locate_request": ("post", "/api/v1/dsr/{dsr_request}/locate", DPO, {}, 200),
    "api:confirm_subjects": (
        "post",
        "/api/v1/dsr/{dsr_request}/confirm",
        DPO,
        {"subjects": []},
        400,
    ),
    "api:extend_request": (
        "post",
        "/api/v1/dsr/{dsr_request}/extend",
        DPO,
        {"months": 1, "reason": "Matrix", "told_on": "{today}"},
        200,
    ),
    "api:resume_request": ("post", "/api/v1/dsr/{dsr_request}/resume", DPO, {}, 400),
    "api:wait_request": ("post", "/api/v1/dsr/{dsr_request}/wait", DPO, {}, 200),
    "api:plan_request": ("get", "/api/v1/dsr/{dsr_request}/plan", DPO, None, 200),
    # Nobody is confirmed (and the request waits): nothing to fulfil.
    "api:fulfil_request": ("post", "/api/v1/dsr/{dsr_request}/fulfil", DPO, None, 400),
    "api:refuse_request": (
        "post",
        "/api/v1/dsr/{dsr_refuse}/refuse",
        DPO,
        {"reason": "Matrix"},
        200,
    ),
    "api:close_request": ("post", "/api/v1/dsr/{dsr_close}/close", DPO, {}, 200),
    # Authentication hardening (the auth branch).
    "account:two-factor": ("get", "/account/two-factor/", SIGNED_IN, None, 200),
    "account:verify": ("get", "/account/verify/", SIGNED_IN, None, 200),
    "password_reset": ("get", "/password-reset/", PUBLIC, None, 200),
    "password_reset_done": ("get", "/password-reset/sent/", PUBLIC, None, 200),
    "password_reset_confirm": ("get", "/password-reset/MQ/not-a-token/", PUBLIC, None, 200),
    "password_reset_complete": ("get", "/password-reset/done/", PUBLIC, None, 200),
    # The self-service portal (the dsr-portal branch): public, no account. Without a
    # portal session the request pages answer 403; a forged link 400.
    "portal:start": ("get", "/portal/", PUBLIC, None, 200),
    "portal:follow": ("get", "/portal/follow/", PUBLIC, None, 200),
    "portal:sent": ("get", "/portal/sent/", PUBLIC, None, 200),
    "portal:link": ("get", "/portal/link/not-a-token/", PUBLIC, None, 400),
    "portal:request": ("get", "/portal/request/", PUBLIC, None, 403),
    "portal:download": (
        "get",
        "/portal/request/exports/00000000-0000-0000-0000-000000000000/",
        PUBLIC,
        None,
        403,
    ),
    "portal:end": ("post", "/portal/request/end/", PUBLIC, None, 303),
    # Exports of data-subject requests (the dsr-exports branch).
    "exports:download": ("get", "/console/exports/{export}/", DPO, None, 200),
    "api:dsr_exports": ("get", "/api/v1/dsr/{dsr_request}/exports", DPO, None, 200),
    "api:dsr_export_download": ("get", "/api/v1/dsr/exports/{export}", DPO, None, 200),
    # Rectification, restriction, objection and recipients (the dsr-rights branch).
    "rights:recipients": ("get", "/console/rights/recipients/", DPO, None, 200),
    "rights:disclosures": ("get", "/console/rights/disclosures/", DPO, None, 200),
    "rights:rectification": (
        "get",
        "/console/rights/requests/{rectification_request}/rectification/",
        DPO,
        None,
        200,
    ),
    "rights:restriction": (
        "get",
        "/console/rights/requests/{restriction_request}/restriction/",
        DPO,
        None,
        200,
    ),
    "rights:notify": (
        "get",
        "/console/rights/requests/{restriction_request}/recipients/",
        DPO,
        None,
        200,
    ),
    "rights:notified": (
        "post",
        "/console/rights/notifications/{notification}/notified/",
        DPO,
        {"method": "email"},
        303,
    ),
    "api:rectification_corrections": (
        "get",
        "/api/v1/dsr/{rectification_request}/rectification",
        DPO,
        None,
        200,
    ),
    "api:add_corrections": (
        "post",
        "/api/v1/dsr/{rectification_request}/rectification",
        DPO,
        {"corrections": {"job_title": "Matrix title"}},
        200,
    ),
    "api:restriction_status": (
        "get",
        "/api/v1/dsr/{restriction_request}/restriction",
        DPO,
        None,
        200,
    ),
    # Without the date and method of telling the person: refused, naming the field.
    "api:lift_restriction": (
        "post",
        "/api/v1/dsr/{restriction_request}/restriction/lift",
        DPO,
        {},
        400,
    ),
    "api:request_recipients": (
        "get",
        "/api/v1/dsr/{restriction_request}/recipients",
        DPO,
        None,
        200,
    ),
    "api:mark_notified": (
        "post",
        "/api/v1/dsr/{restriction_request}/recipients/{api_notification}/notified",
        DPO,
        {"method": "letter"},
        200,
    ),
    "api:list_recipients": ("get", "/api/v1/dsr/recipients", DPO, None, 200),
    "api:create_recipient": (
        "post",
        "/api/v1/dsr/recipients",
        DPO,
        {"name": "Matrix recipient", "kind": "controller"},
        201,
    ),
    "api:list_disclosures": ("get", "/api/v1/dsr/disclosures", DPO, None, 200),
    "api:read_disclosure": ("get", "/api/v1/dsr/disclosures/{disclosure}", DPO, None, 200),
    "api:create_disclosure": ("post", "/api/v1/dsr/disclosures", DPO, {"channel": "export"}, 400),
    # Break-glass (the DPO outside a case). Starting one is re-authenticated; the
    # matrix's clients have just confirmed their password.
    "break_glass:list": ("get", "/console/break-glass/", DPO, None, 200),
    "break_glass:end": ("post", "/console/break-glass/{glass}/end/", DPO, None, 302),
    "api:list_break_glass": ("get", "/api/v1/break-glass", DPO, None, 200),
    "api:start_break_glass": (
        "post",
        "/api/v1/break-glass",
        DPO,
        {"reason": GLASS_REASON, "minutes": 5},
        201,
    ),
    "api:end_break_glass": ("post", "/api/v1/break-glass/{glass}/end", DPO, None, 200),
    # Purposes (records of processing), data map and privacy notice (the purposes branch).
    "purposes:list": ("get", "/console/purposes/", PRIVACY_READ, None, 200),
    "purposes:create": ("get", "/console/purposes/new/", PRIVACY_EDIT, None, 200),
    "purposes:ropa": ("get", "/console/purposes/ropa.json", PRIVACY_READ, None, 200),
    "purposes:detail": ("get", "/console/purposes/customer_support/", PRIVACY_READ, None, 200),
    "purposes:edit": ("get", "/console/purposes/customer_support/edit/", PRIVACY_EDIT, None, 200),
    "datamap:map": ("get", "/console/data-map/", PRIVACY_READ, None, 200),
    "datamap:export": ("get", "/console/data-map/export.csv", PRIVACY_READ, None, 200),
    "datamap:entry-create": ("get", "/console/data-map/entries/new/", PRIVACY_EDIT, None, 200),
    "datamap:entry-edit": (
        "get",
        "/console/data-map/entries/{manual_entry}/",
        PRIVACY_EDIT,
        None,
        200,
    ),
    "datamap:entry-delete": (
        "post",
        "/console/data-map/entries/{spare_entry}/delete/",
        PRIVACY_EDIT,
        None,
        302,
    ),
    "privacy:notice": ("get", "/privacy", PUBLIC, None, 200),
    "privacy:version": ("get", "/privacy/v/1", PUBLIC, None, 200),
    "api:list_purposes": ("get", "/api/v1/purposes", PRIVACY_READ, None, 200),
    "api:create_purpose": ("post", "/api/v1/purposes", PRIVACY_EDIT, NEW_PURPOSE, 201),
    "api:read_purpose": ("get", "/api/v1/purposes/customer_support", PRIVACY_READ, None, 200),
    "api:update_purpose": (
        "patch",
        "/api/v1/purposes/customer_support",
        PRIVACY_EDIT,
        {"retention_months": 30},
        200,
    ),
    "api:purpose_versions": (
        "get",
        "/api/v1/purposes/customer_support/versions",
        PRIVACY_READ,
        None,
        200,
    ),
    "api:data_map": ("get", "/api/v1/data-map", PRIVACY_READ, None, 200),
    # Legal holds (the erasure branch): finance only.
    "holds:list": ("get", "/holds/", FINANCE, None, 200),
    "api:list_holds": ("get", "/api/v1/holds", FINANCE, None, 200),
    # Consents and marketing lists (the consent branch). Nobody in the matrix owns the
    # matrix contact, so recording a consent for it is refused.
    "consents:record": (
        "post",
        "/contacts/{contact}/consents/",
        CRM_WRITE,
        {"purpose": "direct_marketing", "channel": "phone", "notice": "x", "state": "granted"},
        403,
    ),
    "api:list_consents": ("get", "/api/v1/contacts/{contact}/consents", CRM, None, 200),
    "api:record_consent": (
        "post",
        "/api/v1/contacts/{contact}/consents",
        CRM_WRITE,
        {"purpose": "direct_marketing", "state": "granted", "notice": "Matrix"},
        403,
    ),
    "consent:give": ("get", "/consent/", PUBLIC, None, 200),
    "consent:withdraw": ("get", "/consent/withdraw/", PUBLIC, None, 200),
    "consent:confirm": ("get", "/consent/confirm/not-a-token/", PUBLIC, None, 404),
    "consent:withdraw-link": ("get", "/consent/withdraw/link/not-a-token/", PUBLIC, None, 404),
    "marketing:lists": ("get", "/marketing/lists/", MARKETING, None, 200),
    "marketing:list": ("get", "/marketing/lists/{marketing_list}/", MARKETING, None, 200),
    "marketing:export": (
        "get",
        "/marketing/lists/{marketing_list}/export.csv",
        MARKETING,
        None,
        200,
    ),
    # An empty form: both roles are sent back with the error.
    "marketing:member-add": ("post", "/marketing/members/", LIST_MEMBERS, {"list": "0"}, 303),
    "marketing:member-remove": (
        "post",
        "/marketing/lists/{marketing_list}/members/999999/remove/",
        LIST_MEMBERS,
        None,
        404,
    ),
    "marketing:delete": ("post", "/marketing/lists/{spare_list}/delete/", MARKETING, None, 303),
    "api:list_lists": ("get", "/api/v1/marketing/lists", LIST_MEMBERS, None, 200),
    "api:create_list": (
        "post",
        "/api/v1/marketing/lists",
        MARKETING,
        {"name": "Matrix list"},
        201,
    ),
    "api:read_list": ("get", "/api/v1/marketing/lists/{marketing_list}", MARKETING, None, 200),
    "api:export_list": (
        "get",
        "/api/v1/marketing/lists/{marketing_list}/export.csv",
        MARKETING,
        None,
        200,
    ),
    "api:add_member": (
        "post",
        "/api/v1/marketing/lists/{marketing_list}/members",
        LIST_MEMBERS,
        {"contact": "not an id"},
        400,
    ),
    "api:remove_member": (
        "delete",
        "/api/v1/marketing/lists/{marketing_list}/members/999999",
        LIST_MEMBERS,
        None,
        404,
    ),
    "api:delete_list": (
        "delete",
        "/api/v1/marketing/lists/{api_spare_list}",
        MARKETING,
        None,
        204,
    ),
    "logout": ("post", "/logout/", SIGNED_IN, None, 302),  # to the log-in page either way
}

STAGE = {"name": "Spare stage", "kind": "open", "probability": 5}

# Who makes the requests: anonymous, a signed-in user with no role, one user per role.
WHO = ["anonymous", "no-role", *[r.value for r in Role if r is not Role.SYSTEM]]


IDS = (
    "company",
    "contact",
    "deal",
    "deal_stage",
    "pipeline",
    "stage",
    "api_pipeline",
    "api_stage",
    "field",
    "activity",
    "team",
    "member",
    "page_team",
    "token",
    "policy",
    "dsr_request",
    *RIGHTS_IDS,
    "glass",
    "manual_entry",
    "spare_entry",
    *DSR_IDS,
    "marketing_list",
    "spare_list",
    "api_spare_list",
)


def glass_of_another_dpo(system: Actor) -> int:
    """Return the id of an open break-glass access of a DPO who is not making requests."""
    from lethe.dsr import breakglass

    dpo = User.objects.create_user("matrix-glass@lethe.example", "a long test password 1")
    RoleGrant.objects.create(user=dpo, role=Role.DPO)
    return breakglass.start(system, dpo, GLASS_REASON, 30).pk


def manual_entry(owner: User) -> ManualEntry:
    """A store outside Lethe on the data map."""
    entry = ManualEntry.objects.create(
        name="Matrix binder",
        location="Archive room",
        data_categories=["user.name"],
        retention="Two years.",
        owner=owner,
        review_on=datetime.date(2030, 1, 1),
    )
    entry.purposes.add(PurposeRecord.objects.get(key="customer_relationship"))
    return entry


def dsr_ids() -> dict:
    """Return open requests for the data-subject request rows, and today for their bodies."""
    system = Actor.system("tests")
    ids = {
        name: register.open_request(system, "access", "email", {"email": f"{name}@example.org"}).pk
        for name in DSR_IDS
    }
    return {**ids, "today": timezone.localdate().isoformat()}


def url_names():
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            else:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_has_a_rule_in_the_matrix():
    assert url_names() == set(MATRIX)


def test_every_web_view_declares_the_rule_the_matrix_expects():
    resolver = get_resolver()
    for name, (_method, path, rule, _body, _ok) in MATRIX.items():
        if name.startswith("api:"):
            continue
        path = path.format_map(
            {
                **dict.fromkeys(IDS, 1),
                "attachment": uuid.uuid4(),
                "spare": uuid.uuid4(),
                "export": uuid.uuid4(),
            }
        )
        declared = getattr(resolver.resolve(path).func, "lethe_roles", "undeclared")
        assert declared == rule, name


def test_every_api_operation_requires_a_role():
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                roles = [getattr(a, "roles", None) for a in operation.auth_callbacks]
                assert roles and all(roles), (operation.view_func.__name__, roles)


def client_for(who: str) -> Client:
    client = Client()
    if who == "anonymous":
        return client
    user = User.objects.create_user(f"{who}@lethe.example", "a long test password 1")
    if who != "no-role":
        RoleGrant.objects.create(user=user, role=who)
    client.force_login(user)
    reauthenticate(client)
    passed_second_factor(client)
    return client


def allowed(rule, who: str) -> bool:
    if rule == PUBLIC:
        return True
    if who == "anonymous":
        return False
    if rule == SIGNED_IN:
        return True
    return who in {r.value for r in rule}


def expected_status(name: str, rule, who: str) -> int:
    if name == "logout":
        return 302
    if allowed(rule, who):
        return MATRIX[name][4]
    if who != "anonymous":
        return 403
    # Pages (and the API docs) send anonymous visitors to log in; the API answers 401.
    return 302 if not name.startswith("api:") or name.startswith("api:openapi") else 401


@pytest.mark.django_db(databases=ALL)
@pytest.mark.parametrize("who", WHO)
def test_each_role_gets_exactly_what_the_matrix_allows(who):
    client = client_for(who)
    company = Company.objects.create(name="Matrix AB")
    contact = create_contact(
        Actor.system("tests"), Purpose.CUSTOMER_RELATIONSHIP, {"last_name": "Matrixson"}, {}
    )
    first, second = Stage.objects.order_by("pipeline", "position")[:2]
    deal = Deal.objects.create(title="Matrix deal", pipeline=first.pipeline, stage=first)
    activity = create_activity(
        Actor.system("tests"),
        Purpose.CUSTOMER_RELATIONSHIP,
        {"kind": "task", "company": company, "due_date": datetime.date(2030, 1, 1), "body": "x"},
    )
    field = CustomField.objects.create(entity="company", key="tier", label="Tier", type="text")
    system = Actor.system("tests")
    spare, api_spare = (create_pipeline(system, {"name": name}) for name in ("Spare", "API spare"))
    ids = {
        "company": company.pk,
        "contact": contact.pk,
        "deal": deal.pk,
        "deal_stage": second.pk,
        "pipeline": spare.pk,
        "stage": create_stage(system, spare, STAGE).pk,
        "api_pipeline": api_spare.pk,
        "api_stage": create_stage(system, api_spare, STAGE).pk,
        "field": field.pk,
        "activity": activity.pk,
    }
    files = [
        attachments.upload(
            Actor.system("tests"),
            Purpose.CUSTOMER_RELATIONSHIP,
            attachment_record(Actor.system("tests"), "company", company.pk),
            f"Matrix {n}.pdf",
            b"%PDF-1.7 matrix",
        )
        for n in range(2)
    ]
    ids.update(attachment=files[0].pk, spare=files[1].pk)
    member = User.objects.create_user("matrix-member@lethe.example", "a long test password 1")
    ids.update(team=Team.objects.create(name="Matrix").pk, member=member.pk)
    ids.update(page_team=Team.objects.create(name="Matrix page").pk)
    ids.update(token=tokens.create(system, member, "Matrix")[0].pk)
    ids.update(policy=RetentionPolicy.objects.order_by("pk").first().pk)
    dsr_request = register.open_request(system, "access", "email", {"email": "m@example.org"})
    export = store.save(system, dsr_request, "access.html", "dsr-access.html", "text/html", b"<p>")
    ids.update(dsr_request=dsr_request.pk, export=export.pk)
    ids.update(rights_ids(contact))
    ids.update(glass=glass_of_another_dpo(system))
    ids.update(manual_entry=manual_entry(member).pk, spare_entry=manual_entry(member).pk)
    ids.update(dsr_ids())
    ids.update(
        {
            key: MarketingList.objects.create(name=f"Matrix {key}").pk
            for key in ("marketing_list", "spare_list", "api_spare_list")
        }
    )
    for name, (method, path, rule, body, _ok) in MATRIX.items():
        request = getattr(client, method)
        path = path.format_map(ids)
        if body is not None and name.startswith("api:"):  # ids in an API body: "{company}"
            body = {k: v.format_map(ids) if isinstance(v, str) else v for k, v in body.items()}
        if body is None:
            response = request(path)
        elif name.startswith("api:"):
            response = request(path, json.dumps(body), content_type="application/json")
        else:  # a page's form
            response = request(path, {k: str(v).format_map(ids) for k, v in body.items()})
        assert response.status_code == expected_status(name, rule, who), (name, who)
        if response.status_code == 302 and (name == "logout" or not allowed(rule, who)):
            assert response["Location"].startswith("/login/")
