"""Classes through the JSON API: enrolling a person, and an open class with five sessions and its learners."""

import datetime as dt

from factories import make_class, make_person, unique

TODAY = dt.date.today()


def enrol(client, headers, class_id, person_id):
    return client.post(f"/api/classes/{class_id}/enrolments", headers=headers, json={"person": person_id})


def class_with_sessions(client, coord, capacity=5, learners=3, **values):
    start = TODAY - dt.timedelta(days=10)
    cls = make_class(status="open", capacity=capacity, start_date=start, end_date=TODAY + dt.timedelta(days=10),
                     **values)
    sessions = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": str(start + dt.timedelta(days=i)), "start_time": "08:00", "end_time": "11:00"}
        for i in range(5)]}).json()
    enrolments = [enrol(client, coord, cls["id"], make_person(full_name=unique("HV "))["id"]).json()
                  for _ in range(learners)]
    return cls, sessions, enrolments
