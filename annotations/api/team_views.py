"""The team pages' actions over the API, through the same services as the pages.

GET  POST         /api/v1/projects/{slug}/members/             editors and admins read; admins add
PATCH DELETE      /api/v1/projects/{slug}/members/{user_id}/   admins: change a role, remove
GET  POST         /api/v1/projects/{slug}/invitations/         admins; the key is in the 201 only
POST              /api/v1/projects/{slug}/invitations/{id}/revoke/
POST              /api/v1/projects/{slug}/assignments/         editors and admins assign articles
POST              /api/v1/projects/{slug}/queue/decisions/     editors: approve or return several
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import limits, permissions, services
from ..exceptions import NotPermitted, NotVisible
from ..models import Invitation, Membership, User
from ..workflow import Role
from .serializers import MAX_ID
from .views import ERRORS, WRITE_ERRORS, validated, visible_project


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    user_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Membership
        fields = ["user_id", "username", "role", "pseudonym", "created_at"]


class MemberAddSerializer(serializers.Serializer):
    who = serializers.CharField(max_length=254, help_text="A username or an email address.")
    role = serializers.ChoiceField(choices=Role.choices)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "role", "email", "created_at", "expires_at", "revoked_at", "accepted_at"]


class InvitationCreateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField(required=False, allow_blank=True)


class AssignSerializer(serializers.Serializer):
    articles = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=1000
    )
    reviewers = serializers.ListField(
        child=serializers.CharField(max_length=150), max_length=100, help_text="Usernames."
    )
    mode = serializers.ChoiceField(choices=["each", "round_robin"], default="each")


class DecisionChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    version = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class DecisionsSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "return"])
    verdicts = DecisionChoiceSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=limits.NOTE)


class OutcomeSerializer(serializers.Serializer):
    verdict_id = serializers.IntegerField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


def _admin(request, slug):
    project = visible_project(request, slug)
    if not permissions.can_edit_project(request.user, project):
        raise NotPermitted("Only the project's admins may do this.")
    return project


class ProjectMembersApi(APIView):
    @extend_schema(responses={200: MemberSerializer(many=True), **ERRORS})
    def get(self, request, slug):
        project = visible_project(request, slug)
        if not permissions.can_review(request.user, project):
            raise NotPermitted("Only the project's editors and admins see its members.")
        members = Membership.objects.filter(project=project).select_related("user")
        return Response(MemberSerializer(members.order_by("user__username"), many=True).data)

    @extend_schema(request=MemberAddSerializer, responses={201: MemberSerializer, **WRITE_ERRORS})
    def post(self, request, slug):
        project = _admin(request, slug)
        data = validated(MemberAddSerializer, request)
        membership = services.add_member_by_name(
            project=project, who=data["who"], role=data["role"], actor=request.user
        )
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)


class ProjectMemberApi(APIView):
    def _membership(self, request, slug, user_id) -> tuple:
        project = _admin(request, slug)
        membership = (
            Membership.objects.filter(project=project, user_id=user_id)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise NotVisible(f"No member with user id {user_id} in this project.")
        return project, membership

    @extend_schema(request=RoleSerializer, responses={200: MemberSerializer, **WRITE_ERRORS})
    def patch(self, request, slug, user_id):
        project, membership = self._membership(request, slug, user_id)
        role = validated(RoleSerializer, request)["role"]
        membership = services.add_member(
            project=project, user=membership.user, role=role, actor=request.user
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def delete(self, request, slug, user_id):
        project, membership = self._membership(request, slug, user_id)
        services.remove_member(project=project, user=membership.user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectInvitationsApi(APIView):
    @extend_schema(responses={200: InvitationSerializer(many=True), **ERRORS})
    def get(self, request, slug):
        project = _admin(request, slug)
        invitations = Invitation.objects.filter(project=project).order_by("-created_at", "-pk")
        return Response(InvitationSerializer(invitations, many=True).data)

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer, **WRITE_ERRORS},
        description="The response's `link` (with the one-time key) is shown only here.",
    )
    def post(self, request, slug):
        project = _admin(request, slug)
        data = validated(InvitationCreateSerializer, request)
        invitation, key = services.create_invitation(
            project=project, actor=request.user, role=data["role"], email=data.get("email", "")
        )
        body = InvitationSerializer(invitation).data
        body["link"] = request.build_absolute_uri(reverse("invitation_accept", args=[key]))
        return Response(body, status=status.HTTP_201_CREATED)


class InvitationRevokeApi(APIView):
    @extend_schema(request=None, responses={200: InvitationSerializer, **WRITE_ERRORS})
    def post(self, request, slug, pk):
        project = _admin(request, slug)
        invitation = Invitation.objects.filter(project=project, pk=pk).first()
        if invitation is None:
            raise NotVisible(f"No invitation with id {pk} in this project.")
        invitation = services.revoke_invitation(invitation=invitation, actor=request.user)
        return Response(InvitationSerializer(invitation).data)


class ProjectAssignmentsApi(APIView):
    @extend_schema(request=AssignSerializer, responses={200: None, **WRITE_ERRORS})
    def post(self, request, slug):
        project = visible_project(request, slug)
        data = validated(AssignSerializer, request)
        names = list(dict.fromkeys(data["reviewers"]))
        reviewers = list(
            User.objects.filter(
                username__in=names, memberships__project=project, is_active=True
            ).distinct()
        )
        missing = sorted(set(names) - {u.username for u in reviewers})
        if missing:
            raise NotVisible(f"Not members of this project: {', '.join(missing)}.")
        made = services.assign_articles(
            project=project,
            actor=request.user,
            article_ids=data["articles"],
            reviewers=reviewers,
            mode=data["mode"],
        )
        return Response({"assigned": len(made)})


class ProjectQueueDecisionsApi(APIView):
    """Approve or return several verdicts; each is checked on its own (four-eyes, version...)."""

    @extend_schema(
        request=DecisionsSerializer,
        responses={200: OutcomeSerializer(many=True), **WRITE_ERRORS},
    )
    def post(self, request, slug):
        project = visible_project(request, slug)
        if not permissions.can_review(request.user, project):
            raise NotPermitted("Only the project's editors and admins approve or return.")
        data = validated(DecisionsSerializer, request)
        outcomes = services.review_in_bulk(
            project=project,
            editor=request.user,
            action=data["action"],
            choices=[(c["id"], c.get("version")) for c in data["verdicts"]],
            note=data.get("note", ""),
        )
        return Response(OutcomeSerializer(outcomes, many=True).data)
