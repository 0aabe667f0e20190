"""Practice and assessment: sessions, presentations, responses, rubrics, assessments,
assignments with windows, rubric scores and outside-evidence submissions.

Revision ID: 0006
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rubrics',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubrics'))
    )
    op.create_table('assessments',
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('skill_codes', sa.Text(), nullable=False),
    sa.Column('item_ids', sa.JSON(), nullable=False),
    sa.Column('rubric_id', sa.String(length=128), nullable=True),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('hints_allowed', sa.Boolean(), nullable=False),
    sa.Column('peer_review', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubrics.id'], name=op.f('fk_assessments_rubric_id_rubrics'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments'))
    )
    op.create_table('assessment_assignments',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('assessment_id', sa.String(length=128), nullable=False),
    sa.Column('section_id', sa.String(length=64), nullable=False),
    sa.Column('student_ids', sa.JSON(), nullable=False),
    sa.Column('opens_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('closes_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.Column('assigned_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_assessment_assignments_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_assessment_assignments_section_id_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_assignments'))
    )
    with op.batch_alter_table('assessment_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_assignments_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_assignments_section_id'), ['section_id'], unique=False)

    op.create_table('evidence_submissions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('artefact_url', sa.String(length=1000), nullable=True),
    sa.Column('skill_codes', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reviewer_id', sa.String(length=64), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('evidence_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('reviewed_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_evidence_submissions_learner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_submissions'))
    )
    with op.batch_alter_table('evidence_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_submissions_learner_id'), ['learner_id'], unique=False)

    op.create_table('practice_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('skill_code', sa.String(length=128), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('assessment_id', sa.String(length=128), nullable=True),
    sa.Column('assignment_id', sa.String(length=64), nullable=True),
    sa.Column('started_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('ended_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.Column('deadline_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.Column('start_mastery', sa.JSON(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_practice_sessions_learner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_sessions'))
    )
    with op.batch_alter_table('practice_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_sessions_learner_id'), ['learner_id'], unique=False)

    op.create_table('rubric_scores',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('assessment_id', sa.String(length=128), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('criterion_id', sa.String(length=128), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('scorer_id', sa.String(length=64), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('evidence_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_rubric_scores_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_rubric_scores_learner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_scores'))
    )
    with op.batch_alter_table('rubric_scores', schema=None) as batch_op:
        batch_op.create_index('ix_rubric_scores_task_learner', ['assessment_id', 'learner_id'], unique=False)

    op.create_table('practice_presentations',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=128), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('shown_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('hints_shown', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('first_correct', sa.Boolean(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('completed_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_practice_presentations_learner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['practice_sessions.id'], name=op.f('fk_practice_presentations_session_id_practice_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_presentations'))
    )
    with op.batch_alter_table('practice_presentations', schema=None) as batch_op:
        batch_op.create_index('ix_practice_presentations_learner_item', ['learner_id', 'item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_presentations_session_id'), ['session_id'], unique=False)

    op.create_table('practice_responses',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('presentation_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('client_attempt_id', sa.String(length=64), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('misconception', sa.String(length=200), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_practice_responses_learner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['presentation_id'], ['practice_presentations.id'], name=op.f('fk_practice_responses_presentation_id_practice_presentations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_responses')),
    sa.UniqueConstraint('learner_id', 'client_attempt_id', name='uq_practice_responses_attempt')
    )
    with op.batch_alter_table('practice_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_responses_presentation_id'), ['presentation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('practice_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_responses_presentation_id'))

    op.drop_table('practice_responses')
    with op.batch_alter_table('practice_presentations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_presentations_session_id'))
        batch_op.drop_index('ix_practice_presentations_learner_item')

    op.drop_table('practice_presentations')
    with op.batch_alter_table('rubric_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_rubric_scores_task_learner')

    op.drop_table('rubric_scores')
    with op.batch_alter_table('practice_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_sessions_learner_id'))

    op.drop_table('practice_sessions')
    with op.batch_alter_table('evidence_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_submissions_learner_id'))

    op.drop_table('evidence_submissions')
    with op.batch_alter_table('assessment_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_assignments_section_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_assignments_assessment_id'))

    op.drop_table('assessment_assignments')
    op.drop_table('assessments')
    op.drop_table('rubrics')
