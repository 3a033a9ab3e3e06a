"""The share box on article pages: the canonical address and its QR code (articles/share.py)."""

import pytest
from pages import SITE

from articles.share import qr_svg

pytestmark = pytest.mark.usefixtures("site_url")


def test_share_box_shows_the_canonical_url(client, guide):
    article = guide.first()
    content = client.get(article.get_absolute_url()).content.decode()
    assert f'id="share-url" type="text" value="{SITE}{article.get_absolute_url()}" readonly' in content


def test_share_box_has_a_server_made_qr_code_of_the_canonical_url(client, guide):
    article = guide.first()
    content = client.get(article.get_absolute_url()).content.decode()
    assert str(qr_svg(SITE + article.get_absolute_url())) in content
    assert '<svg width="' in content and "QR code of this page’s address" in content


def test_qr_codes_differ_per_page(guide):
    urls = [SITE + a.get_absolute_url() for a in guide]
    assert len({str(qr_svg(url)) for url in urls}) == len(urls)


def test_copy_button_is_hidden_until_javascript_enables_it(client, guide):
    content = client.get(guide.first().get_absolute_url()).content.decode()
    assert 'class="copy-button" data-copy-from="share-url" hidden' in content
