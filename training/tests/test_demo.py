import pytest

from training.models import Drill, ObservationDrill, TrainingRecord


@pytest.mark.django_db
def test_demo_loads_training_and_drills_once(demo_without_monitoring):
    demo_without_monitoring()
    drills, records = Drill.objects.count(), TrainingRecord.objects.count()
    assert drills and records and ObservationDrill.objects.exists()
    assert Drill.objects.unannounced().exists()
    assert Drill.objects.exclude(pk__in=Drill.objects.unannounced()).exists()
    demo_without_monitoring()
    assert (Drill.objects.count(), TrainingRecord.objects.count()) == (drills, records)
