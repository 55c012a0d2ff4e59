"""Seed the default opinion categories (意见类别); admins may edit them afterwards."""

from django.db import migrations

DEFAULT_CATEGORIES = [
    ("roads", "道路交通", 10),
    ("water", "饮水安全", 20),
    ("education", "教育", 30),
    ("health", "医疗卫生", 40),
    ("insurance", "医保社保", 50),
    ("elderly", "养老服务", 60),
    ("agriculture", "农业农村", 70),
    ("environment", "环境卫生", 80),
    ("housing", "住房建设", 90),
    ("employment", "就业创业", 100),
    ("utilities", "供电供暖", 110),
    ("safety", "社会治安", 120),
    ("other", "其他", 990),
]


def add_categories(apps, schema_editor):
    Category = apps.get_model("suggestions", "Category")
    existing = set(Category.objects.values_list("code", flat=True))
    Category.objects.bulk_create(
        [Category(code=c, name=n, sort_order=o) for c, n, o in DEFAULT_CATEGORIES if c not in existing]
    )


def remove_categories(apps, schema_editor):
    Category = apps.get_model("suggestions", "Category")
    Category.objects.filter(code__in=[c for c, _, _ in DEFAULT_CATEGORIES], tickets__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0002_initial")]

    operations = [migrations.RunPython(add_categories, remove_categories)]
