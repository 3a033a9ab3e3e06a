"""Read an admin form from its HTML and send it back as a browser would: only the fields it shows."""

from html.parser import HTMLParser

from django.utils import timezone


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, {}
        self.textarea = self.select = None
        self.multi: dict[str, list] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (self.form_id is None or attrs.get("id") == self.form_id):
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            else:
                self.data[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea, self.data[name] = name, ""
        elif tag == "select" and name:
            self.select, self.data[name] = name, ""
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def form_data(response, form_id=None) -> dict:
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    # A browser drops the one newline that follows <textarea>.
    return {k: v[1:] if v.startswith("\n") else v for k, v in reader.data.items()}


def open_form(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return form_data(response)


def send(client, url, form: dict, button="_save", **changes):
    """POST the form as opened, with `changes`, pressing `button`."""
    return client.post(url, {**form, **changes, button: "1"})


def edit(client, url, button="_save", **changes):
    """Open the form and save it with `changes`, in one go."""
    return send(client, url, open_form(client, url), button, **changes)


def reviewed(reviewer, **changes):
    """Form changes that record `reviewer`'s review of the words today, next due in a year."""
    today = timezone.localdate()
    return {
        "reviewed_by": str(reviewer.pk),
        "last_reviewed": today.isoformat(),
        "next_review_due": today.replace(year=today.year + 1, day=min(today.day, 28)).isoformat(),
        "review_confirmed": "on",
        **changes,
    }


def review_url(change) -> str:
    return f"/admin/articles/pendingchange/{change.pk}/review/"


def decide(client, change, action="approve", **changes):
    """Open a pending change's review screen and press `action`, with `changes` to its form."""
    url = review_url(change)
    return send(client, url, {**open_form(client, url), "action": action}, "_", **changes)
