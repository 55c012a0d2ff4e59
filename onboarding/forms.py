from django import forms
from django.utils.translation import gettext_lazy as _

from deputies.models import Level, Mandate
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


class MandateEndForm(forms.Form):
    """终止 or 辞职 of one mandate."""

    mandate = forms.ChoiceField(label=_("代表资格"))
    status = forms.ChoiceField(
        label=_("方式"),
        choices=[(Mandate.Status.TERMINATED, _("终止")), (Mandate.Status.RESIGNED, _("辞职"))],
    )
    ended_on = forms.DateField(label=_("终止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("原因及依据"),
        max_length=200,
        help_text=_("如：因工作调动辞去代表职务，县人大常委会第12次会议接受（2026年5月20日）"),
    )

    def __init__(self, *args, mandates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mandate"].choices = [(str(m.pk), str(m)) for m in mandates]


class ByElectionForm(forms.Form):
    """补选: a new mandate mid-term."""

    level = forms.ChoiceField(label=_("代表层级"), choices=Level.choices)
    term = forms.IntegerField(label=_("届次"), min_value=1, max_value=99)
    started_on = forms.DateField(
        label=_("当选日期（任期开始）"), widget=forms.DateInput(attrs={"type": "date"})
    )
    congress_region = forms.CharField(
        label=_("所属人大区划代码"),
        required=False,
        max_length=12,
        help_text=_("市、县、乡镇级代表所属人大的12位区划代码；全国、省级可不填。"),
    )
    constituency = forms.CharField(label=_("选区/选举单位"), required=False, max_length=100)
