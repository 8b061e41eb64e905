from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    label = "referrals"
    verbose_name = "Referrals to national contact points"

    def ready(self):
        # cases cannot import this app (it builds on cases): the case page asks through a hook.
        # The registry is ready only now, so the imports are here.
        from cases.selectors import case_related_work
        from referrals.selectors import referrals_on_case

        case_related_work.register(referrals_on_case)
