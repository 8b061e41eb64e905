from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "tracker.referrals"
    label = "referrals"
    verbose_name = "Referrals to national contact points"
