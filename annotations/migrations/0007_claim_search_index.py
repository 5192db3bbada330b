"""Claim matching: the project setting, ClaimMatch, and the claims' full-text index.

The index is an FTS5 table with triggers on SQLite and a generated tsvector column with a GIN
index on PostgreSQL (see annotations/search_index.py); other databases get none.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install_index(apps, schema_editor):
    from annotations import search_index

    search_index.install(schema_editor.connection)


def uninstall_index(apps, schema_editor):
    from annotations import search_index

    search_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0006_verdict_explanation_text'),
    ]

    operations = [
        migrations.AddField(
            model_name='project',
            name='match_across_projects',
            field=models.BooleanField(default=False, help_text='“Checked before” also searches every other project the reviewer is a member of.'),
        ),
        migrations.CreateModel(
            name='ClaimMatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('decision', models.CharField(choices=[('same', 'Same claim'), ('dismissed', 'Dismissed')], max_length=10)),
                ('decided_at', models.DateTimeField()),
                ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='match_decisions', to='annotations.claim')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('matched', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='annotations.claim')),
            ],
            options={
                'ordering': ['claim', 'matched'],
                'constraints': [models.UniqueConstraint(fields=('claim', 'matched'), name='claimmatch_unique_pair'), models.CheckConstraint(condition=models.Q(('claim', models.F('matched')), _negated=True), name='claimmatch_not_itself'), models.CheckConstraint(condition=models.Q(('decision__in', ['same', 'dismissed'])), name='claimmatch_decision_valid')],
            },
        ),
        migrations.RunPython(install_index, uninstall_index, elidable=False),
    ]
