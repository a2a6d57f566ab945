from django import forms
from django.utils.translation import gettext_lazy as _


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("이메일"),
        max_length=254,
        error_messages={
            "required": _("이메일 주소를 적어 주세요."),
            "invalid": _("이메일 주소가 올바르지 않습니다. 예: reader@example.com"),
        },
    )
    # A field people never see; bots fill every field they find.
    homepage = forms.CharField(label=_("홈페이지(비워 두세요)"), required=False)

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("homepage"))
