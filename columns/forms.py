from django import forms
from django.utils.translation import gettext_lazy as _

from columns.models import Comment
from columns.moderation import is_visually_empty, refusal_reason


class CommentForm(forms.ModelForm):
    # A field people never see; bots fill every field they find.
    homepage = forms.CharField(
        label=_("홈페이지(비워 두세요)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Comment
        fields = ["name", "email", "body"]
        labels = {
            "name": _("이름(필명)"),
            "email": _("이메일(선택, 공개 안 됨)"),
            "body": _("댓글"),
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "nickname", "maxlength": 50}),
            "body": forms.Textarea(attrs={"rows": 5}),
        }
        field_classes = {"body": forms.CharField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Stored exactly as written: no quiet trimming of what the reader typed.
        self.fields["body"].strip = False
        self.fields["body"].validators = []  # judged in clean_body, in the rules' order
        self.fields["body"].widget = forms.Textarea(attrs={"rows": 5})

    def clean_name(self):
        name = self.cleaned_data["name"]
        if is_visually_empty(name):
            raise forms.ValidationError(_("이름을 적어 주세요."))
        return name

    def clean_body(self):
        body = self.cleaned_data["body"]
        reason = refusal_reason(body)
        if reason:
            raise forms.ValidationError(reason, code="refused")
        return body

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("homepage"))
