"""Synthetic data is valid where the real thing is validated, and never personal by shape."""

import random

import pytest
from faker import Faker

from lethe import synthetic
from lethe.companies.forms import CompanyForm
from lethe.companies.orgnr import normalise

pytestmark = pytest.mark.django_db


def test_synthetic_companies_pass_the_company_form_with_company_org_numbers():
    rng, faker = random.Random(3), Faker("sv_SE")
    faker.seed_instance(3)
    for _ in range(50):
        fields = synthetic.company(rng, faker)
        form = CompanyForm({**fields, "tags": ""})
        assert form.is_valid(), form.errors
        assert normalise(fields["org_number"]) == fields["org_number"]
        assert fields["org_number"][2] >= "2"  # never a sole trader's personal number
        assert fields["domain"].endswith(".example")
