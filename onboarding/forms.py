from django import forms
from django.utils.translation import gettext_lazy as _

from deputies.models import Level
from onboarding.models import ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入类型"), choices=ImportKind.choices)
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的文件（可先下载模板填写）。"))
        return upload


class TermEndForm(forms.Form):
    level = forms.ChoiceField(label=_("代表层级"), choices=Level.choices)
    term = forms.IntegerField(label=_("届次"), min_value=1, max_value=99)
    ended_on = forms.DateField(label=_("任期结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    congress_region = forms.CharField(
        label=_("所属人大区划代码（可不填）"),
        required=False,
        max_length=12,
        help_text=_("只结束该区划人大的代表资格；不填为您管辖范围内的全部。"),
    )
    confirm = forms.BooleanField(label=_("我已核对人数，确认办理换届"), required=False)
